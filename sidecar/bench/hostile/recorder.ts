/**
 * Every request the campaign sends to a sidecar goes through one instrumented fetch: its own requests
 * and those of the shared test helpers (test/reliability/support.ts) alike. It gives each request a
 * deadline (a request unanswered by then is a hang), counts answers by part and status, and scans every
 * answer's headers and body for the configured secrets.
 */
import { containsSecret } from './secrets.js';
import type { SecretTally } from './secrets.js';

/** A request whose answer (status and headers) has not arrived within this is a hang. */
export const HANG_MS = 5_000;
/**
 * A body still unfinished this long after its headers is a hang too. Longer than HANG_MS because client and
 * server share this process: a streamed body needs many turns of an event loop that the campaign keeps busy.
 */
export const BODY_MS = 30_000;

export interface PartCounts {
  requests: number;
  byStatus: Map<number, number>;
  fiveXx: string[];
  hangs: string[];
  /** Connections closed before a whole answer (a body cut short, a reset), apart from hangs. */
  cut: string[];
}

const newCounts = (): PartCounts => ({ requests: 0, byStatus: new Map(), fiveXx: [], hangs: [], cut: [] });

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const describe = (method: string, url: string): string => `${method} ${url.length > 160 ? `${url.slice(0, 160)}…` : url}`;

type Matcher = (path: string, body: string) => boolean;

export class Recorder {
  /** The part that requests are counted under; set by each part as it starts. */
  part = 'setup';
  private readonly counts = new Map<string, PartCounts>();
  private readonly origins = new Set<string>();
  private readonly deadlines: [Matcher, number][] = [];
  private readonly cuttable: Matcher[] = [];
  private readonly aside = new Map<RegExp, string>();
  private readonly elsewhere: RegExp[] = [];
  private readonly realFetch = globalThis.fetch;

  constructor(private readonly secrets: SecretTally) {}

  /** Requests to this base URL are recorded; others (the emulator, the Grafana stand-in) pass through. */
  watch(baseUrl: string): void {
    this.origins.add(new URL(baseUrl).origin);
  }

  /** Requests that wait by design (a refresh waits up to 10 s, a real execution runs its batches) get a longer deadline. */
  deadline(matches: Matcher, ms: number): void {
    this.deadlines.push([matches, ms]);
  }

  /** Requests the server may rightly cut (an upload it refused before reading it all). */
  mayCut(matches: Matcher): void {
    this.cuttable.push(matches);
  }

  /** Bodies the campaign scans under another place itself (the audit export: scanned as the audit, not twice). */
  scanElsewhere(path: RegExp): void {
    this.elsewhere.push(path);
  }

  /** Counts requests whose path matches under `part` instead of the current part (a poller running beside it). */
  setAside(path: RegExp, part: string): () => void {
    this.aside.set(path, part);
    return () => this.aside.delete(path);
  }

  install(): void {
    globalThis.fetch = (input, init) => this.fetch(input, init);
  }

  uninstall(): void {
    globalThis.fetch = this.realFetch;
  }

  of(part: string): PartCounts {
    let c = this.counts.get(part);
    if (!c) this.counts.set(part, (c = newCounts()));
    return c;
  }

  parts(): [string, PartCounts][] {
    return [...this.counts.entries()];
  }

  /** An answer obtained without fetch (raw sockets). */
  recordRaw(what: string, outcome: { status: number; text: string } | 'hang' | Error): void {
    const c = this.of(this.part);
    c.requests++;
    if (outcome === 'hang') c.hangs.push(what);
    else if (outcome instanceof Error) c.cut.push(`${what}: ${outcome.message}`);
    else {
      c.byStatus.set(outcome.status, (c.byStatus.get(outcome.status) ?? 0) + 1);
      if (outcome.status >= 500) c.fiveXx.push(`${what} -> ${outcome.status} ${outcome.text.slice(0, 200)}`);
      if (!containsSecret(what)) this.secrets.scan('answers', outcome.text);
    }
  }

  private async fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!this.origins.has(new URL(url).origin)) return this.realFetch(input, init);
    const path = url.slice(new URL(url).origin.length);
    const method = init.method ?? (input instanceof Request ? input.method : 'GET');
    const sent = typeof init.body === 'string' ? init.body : '';
    const answerMs = this.deadlines.find(([matches]) => matches(path, sent))?.[1] ?? HANG_MS;
    const c = this.of([...this.aside].find(([re]) => re.test(path))?.[1] ?? this.part);
    c.requests++;
    const what = describe(method, path);
    const deadline = new AbortController();
    let hang: string | undefined;
    const expire = (why: string) => () => {
      hang = why;
      deadline.abort(new DOMException(why, 'TimeoutError'));
    };
    let timer = setTimeout(expire(`no answer within ${answerMs} ms`), answerMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    let res: Response;
    let body: ArrayBuffer;
    try {
      res = await this.realFetch(input, { ...init, signal });
      clearTimeout(timer);
      timer = setTimeout(expire(`body unfinished ${BODY_MS} ms after the answer began`), Math.max(BODY_MS, answerMs));
      body = await res.arrayBuffer();
    } catch (error) {
      if (hang) c.hangs.push(`${what} (${hang})`);
      else if (!init.signal?.aborted && !this.cuttable.some((m) => m(path, sent))) c.cut.push(`${what}: ${(error as Error).message}`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    c.byStatus.set(res.status, (c.byStatus.get(res.status) ?? 0) + 1);
    const text = new TextDecoder().decode(body);
    if (res.status >= 500) c.fiveXx.push(`${what} -> ${res.status} ${text.slice(0, 200)}`);
    // Reflecting what the caller sent is no leak: only answers to requests without a secret in the URL or body count.
    if (!containsSecret(`${url} ${sent}`)) {
      this.secrets.scan('answers', [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n'));
      if (!this.elsewhere.some((re) => re.test(path))) this.secrets.scan('answers', text);
    }
    return new Response(NULL_BODY.has(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}
