/**
 * Who sent a request, as far as the socket and the trusted proxies (TRUSTED_PROXIES) can vouch for it.
 * Forwarding headers (X-Forwarded-For, X-Grafana-User) are believed only from a trusted proxy: from anyone
 * else they are forged as easily as sent, so the socket's address is recorded and the user is unknown.
 */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** Addresses and CIDR blocks of the proxies whose forwarding headers are believed. */
export interface TrustedProxies {
  /** As configured, for status and logs. */
  readonly entries: readonly string[];
  readonly contains: (address: string) => boolean;
}

export interface ClientIdentity {
  /** The client: the socket's peer, or the address a trusted proxy forwarded. */
  readonly remoteAddress?: string;
  /** The trusted proxy the request came through. */
  readonly via?: string;
  /** The user a trusted proxy forwarded (X-Grafana-User); null when nobody trusted said. */
  readonly user: string | null;
}

// Each X-Forwarded-For hop is an address; a longer chain than this is not walked (bounded work).
const MAX_HOPS = 32;
const MAX_FIELD = 200;
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) as `10.0.0.1`, so IPv4 blocks match it. */
export function normalizeAddress(address: string): string {
  const mapped = IPV4_MAPPED.exec(address);
  return mapped ? mapped[1]! : address;
}

const entrySchema = z
  .string()
  .trim()
  .superRefine((raw, ctx) => {
    const [address = '', prefix, extra] = raw.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const badPrefix = prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max);
    if (family === 0 || badPrefix || extra !== undefined)
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(raw)} is not an IP address or CIDR block` });
  });

/** The TRUSTED_PROXIES value: comma-separated addresses or CIDR blocks (IPv4 or IPv6). */
export const trustedProxiesSchema = z.preprocess(
  (raw) => (typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw),
  z.array(entrySchema).max(256),
);

export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return {
    entries,
    contains: (raw) => {
      const address = normalizeAddress(raw);
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/**
 * The identity of a request that reached us from `peer`. Behind trusted proxies the client is the nearest
 * X-Forwarded-For hop, from the right, that is not itself a trusted proxy (what each proxy appended).
 */
export function clientIdentity(
  peer: string | undefined,
  headers: { readonly forwardedFor?: string | undefined; readonly user?: string | undefined },
  trusted: TrustedProxies | undefined,
): ClientIdentity {
  const socket = peer ? normalizeAddress(peer) : undefined;
  if (!socket || !trusted?.contains(socket)) return { ...(socket ? { remoteAddress: socket } : {}), user: null };

  // The header is bounded by the server's header limit; only the nearest hops are walked.
  const hops = (headers.forwardedFor ?? '')
    .split(',')
    .slice(-MAX_HOPS)
    .map((hop) => hop.trim())
    .filter(Boolean);
  let client = socket;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = normalizeAddress(hops[i]!).slice(0, MAX_FIELD);
    if (!trusted.contains(client)) break;
  }
  const user = headers.user?.trim().slice(0, MAX_FIELD);
  return { remoteAddress: client, via: socket, user: user ? user : null };
}
