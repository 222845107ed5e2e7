/**
 * Keep lists: images in use where ECR Lens cannot look (App Runner, Batch, EC2, on-premises hosts), as
 * text files or http(s) URLs with one image reference per line. Every list is read again on each read,
 * in parallel, bounded in size, lines and time. A list that cannot be read whole is Incomplete (it blocks
 * every plan); a line that is not an ECR reference is only a notice, as it cannot protect any ECR image.
 *
 * Also the bounded-read helpers the Kubernetes source shares (capped bodies, URLs without credentials). A list's
 * name drops the URL's credentials (redactUrl 'drop'): it identifies the list's uses in the ledger.
 */
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { envDecimal } from '../env-number.js';
import type { ImageUse, Incomplete } from '../snapshot/model.js';
import { useIdentity } from '../snapshot/model.js';
import { parseEcrReference } from '../snapshot/reference.js';
import { redactUrl } from '../secrets.js';
import type { GlobalUseSource, SourceRead } from './source.js';

export const KEEP_LIST_MAX_BYTES = 16 * 1024 * 1024;
export const KEEP_LIST_MAX_LINES = 200_000;
/** Ignored lines reported per list; the rest are counted in one more notice. */
const NOTICES_PER_LIST = 20;
const MAX_LISTS = 100;

export interface KeepListOptions {
  /** Per list, for the whole read (connect, headers and body, or the file). */
  readonly timeoutMs: number;
  /** Default KEEP_LIST_MAX_BYTES (16 MiB). */
  readonly maxBytes?: number;
  /** Default KEEP_LIST_MAX_LINES. */
  readonly maxLines?: number;
}

/** What IN_USE_KEEP_LISTS and IN_USE_KEEP_LISTS_TIMEOUT_SECONDS configure. */
export interface KeepListSettings {
  readonly lists: readonly string[];
  readonly timeoutMs: number;
}

// ---- Bounded reads, shared with the Kubernetes source ----

export class TooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`larger than the ${maxBytes}-byte cap`);
    this.name = 'TooLargeError';
  }
}

/** Concatenates chunks, giving up (and so cancelling the stream) past `maxBytes`. */
export async function readCapped(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new TooLargeError(maxBytes);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(parts, size);
}

export const isHttpUrl = (value: string): boolean => value.startsWith('http://') || value.startsWith('https://');

/** The URL to request (fetch refuses credentials in URLs) and the Basic header its user:password make. */
export function splitCredentials(raw: string): { url: URL; authorization?: string; secrets: string[] } {
  const url = new URL(raw); // throws on an invalid URL: callers do so inside their try
  if (!url.username && !url.password) return { url, secrets: [] };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const secrets = [url.password, password].filter((s) => s.length > 0);
  url.username = '';
  url.password = '';
  return { url, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, secrets };
}

// fetch rejects with the signal's TimeoutError; a file stream wraps it in an AbortError.
const isTimeout = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'TimeoutError' || (error.cause instanceof Error && error.cause.name === 'TimeoutError'));

/** A short message for an error, with its cause (fetch says only "fetch failed"), and every secret masked. */
export function errorText(error: unknown, timeoutMs: number, secrets: readonly string[] = []): string {
  let text: string;
  if (isTimeout(error)) text = `timed out after ${timeoutMs} ms`;
  else if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    text = `${error.message}${cause}`;
  } else text = String(error);
  for (const secret of secrets) text = text.split(secret).join('***');
  return text;
}

// ---- Parsing ----

export interface ParsedKeepList {
  readonly uses: readonly ImageUse[];
  readonly notices: readonly string[];
}

/** The uses a list's text names; `name` is the list as shown (no credentials). Throws past `maxLines`. */
export function parseKeepList(text: string, name: string, maxLines = KEEP_LIST_MAX_LINES): ParsedKeepList {
  const uses = new Map<string, ImageUse>();
  const notices: string[] = [];
  let ignored = 0;
  // Walked with indexOf rather than split: a 16 MiB list of empty lines would make millions of strings.
  for (let start = 0, number = 1; start < text.length; number++) {
    if (number > maxLines) throw new Error(`more than ${maxLines} lines`);
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    // '#' cannot occur in an image reference, so everything after it is a comment.
    const raw = text.slice(start, end);
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    start = end + 1;
    if (!line) continue;
    // A reference has no blanks; parseEcrReference would read `repo extra` as a repository name.
    const ref = /\s/.test(line) ? undefined : parseEcrReference(line);
    if (!ref) {
      if (++ignored <= NOTICES_PER_LIST)
        notices.push(`${name} line ${number} ignored: not an ECR image reference: ${line.slice(0, 200)}`);
      continue;
    }
    const use: ImageUse = {
      kind: 'keep-list',
      accountId: ref.accountId,
      region: ref.region,
      list: name,
      reference: line,
      ...(ref.digest ? { digest: ref.digest } : {}),
    };
    uses.set(useIdentity(use), use);
  }
  if (ignored > NOTICES_PER_LIST) notices.push(`${name}: ${ignored - NOTICES_PER_LIST} more lines ignored`);
  // An empty answer may be a truncated or misdirected list: say so rather than read it as "nothing runs".
  if (uses.size === 0) notices.push(`${name} names no ECR image: check that it is the list you meant`);
  return { uses: [...uses.values()], notices };
}

// ---- Reading ----

const decoder = new TextDecoder('utf-8', { fatal: true });

async function fetchList(raw: string, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const { url, authorization } = splitCredentials(raw);
  const response = await fetch(url, { headers: authorization ? { authorization } : {}, signal, redirect: 'follow' });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > maxBytes) {
    await response.body.cancel();
    throw new TooLargeError(maxBytes);
  }
  return readCapped(response.body, maxBytes);
}

// `end` is inclusive: at most maxBytes + 1 bytes are read, enough to tell an oversized file.
const readListFile = (path: string, maxBytes: number, signal: AbortSignal): Promise<Buffer> =>
  readCapped(createReadStream(path, { end: maxBytes, signal }), maxBytes);

type ListRead = { ok: true; parsed: ParsedKeepList } | { ok: false; incomplete: Incomplete };

async function readList(list: string, options: KeepListOptions): Promise<ListRead> {
  const maxBytes = options.maxBytes ?? KEEP_LIST_MAX_BYTES;
  const http = isHttpUrl(list);
  const name = http ? redactUrl(list, 'drop') : list;
  try {
    const signal = AbortSignal.timeout(options.timeoutMs);
    const bytes = http ? await fetchList(list, maxBytes, signal) : await readListFile(list, maxBytes, signal);
    const text = decoder.decode(bytes);
    return { ok: true, parsed: parseKeepList(text, name, options.maxLines) };
  } catch (error) {
    const secrets = http && URL.canParse(list) ? splitCredentials(list).secrets : [];
    const message =
      error instanceof TypeError && 'code' in error && error.code === 'ERR_ENCODING_INVALID_ENCODED_DATA'
        ? 'not UTF-8 text'
        : errorText(error, options.timeoutMs, secrets);
    return {
      ok: false,
      incomplete: {
        scope: 'keep-list',
        accountId: '',
        region: '',
        target: name,
        operation: http ? 'GET' : 'read',
        error: message,
      },
    };
  }
}

/** Reads every list on each read(); never throws. */
export function createKeepListSource(lists: readonly string[], options: KeepListOptions): GlobalUseSource {
  const names = lists.map((list) => (isHttpUrl(list) ? redactUrl(list, 'drop') : list));
  return {
    source: 'keep-list',
    description: `keep lists: ${names.join(', ')}`,
    async read(): Promise<SourceRead> {
      const reads = await Promise.all(lists.map((list) => readList(list, options)));
      return {
        uses: reads.flatMap((r) => (r.ok ? r.parsed.uses : [])),
        incomplete: reads.flatMap((r) => (r.ok ? [] : [r.incomplete])),
        notices: reads.flatMap((r) => (r.ok ? r.parsed.notices : [])),
      };
    },
  };
}

// ---- Settings ----

const KeepListEnv = z.object({
  IN_USE_KEEP_LISTS: z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine((e) => !e.includes('://') || (isHttpUrl(e) && URL.canParse(e)))).max(MAX_LISTS)),
  IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: envDecimal().pipe(z.number().int().min(1).max(600)).default(30),
});
const MESSAGES: Readonly<Record<keyof z.input<typeof KeepListEnv>, string>> = {
  IN_USE_KEEP_LISTS: `must be at most ${MAX_LISTS} comma-separated file paths or http(s) URLs`,
  IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: 'must be an integer 1-600',
};

type Env = Readonly<Record<string, string | undefined>>;

/** IN_USE_KEEP_LISTS (unset or empty: no keep lists) and its timeout; a bad value throws an Error starting with the variable's name. */
export function keepListSourceFromEnv(env: Env): KeepListSettings | undefined {
  const lists = env.IN_USE_KEEP_LISTS?.trim();
  if (!lists) return undefined;
  const timeout = env.IN_USE_KEEP_LISTS_TIMEOUT_SECONDS?.trim();
  const parsed = KeepListEnv.safeParse({
    IN_USE_KEEP_LISTS: lists,
    ...(timeout ? { IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: timeout } : {}),
  });
  if (!parsed.success) {
    const name = String(parsed.error.issues[0]!.path[0]) as keyof typeof MESSAGES;
    throw new Error(`${name}: ${MESSAGES[name]}`);
  }
  if (!parsed.data.IN_USE_KEEP_LISTS.length) return undefined;
  return { lists: parsed.data.IN_USE_KEEP_LISTS, timeoutMs: parsed.data.IN_USE_KEEP_LISTS_TIMEOUT_SECONDS * 1000 };
}
