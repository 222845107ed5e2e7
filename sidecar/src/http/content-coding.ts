import { parseAccept } from 'hono/utils/accept';

/**
 * Whether Accept-Encoding allows gzip (RFC 9110 12.5.3): named with a weight above 0, or, when not named, allowed by
 * `*`. No header means any coding is acceptable, but a client that sends none may not expect one: such a client gets
 * the identity, as the compress middleware gives it.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let named: number | undefined;
  let any: number | undefined;
  for (const { type, q } of parseAccept(header)) {
    const coding = type.toLowerCase();
    if (coding === 'gzip' || coding === 'x-gzip') named = Math.max(named ?? 0, q);
    else if (coding === '*') any = Math.max(any ?? 0, q);
  }
  return (named ?? any ?? 0) > 0;
}
