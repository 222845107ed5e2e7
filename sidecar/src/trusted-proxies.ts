/**
 * TRUSTED_PROXIES: the addresses and CIDR blocks (IPv4 or IPv6) of the proxies whose forwarding headers are
 * believed (http/client-identity.ts). Parsed with zod at startup; matched with Node's BlockList.
 */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** Addresses and CIDR blocks of the proxies whose forwarding headers are believed. */
export interface TrustedProxies {
  /** As configured, for status and logs. */
  readonly entries: readonly string[];
  readonly contains: (address: string) => boolean;
}

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

