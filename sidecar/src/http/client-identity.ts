/**
 * Who sent a request, as far as the socket and the trusted proxies (TRUSTED_PROXIES) can vouch for it.
 * Forwarding headers (X-Forwarded-For, X-Grafana-User) are believed only from a trusted proxy: from anyone
 * else they are forged as easily as sent, so the socket's address is recorded and the user is unknown.
 */
import { normalizeAddress, type TrustedProxies } from '../trusted-proxies.js';

export type { TrustedProxies };

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
  if (!socket || !trusted?.contains(socket)) return socket ? { remoteAddress: socket, user: null } : { user: null };

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
