/** What each part of the campaign gets, and what it hands back for the summary. */
import type { DeletionCheck } from './deletions.js';
import type { Recorder } from './recorder.js';
import type { SecretTally } from './secrets.js';

export interface Campaign {
  readonly recorder: Recorder;
  readonly secrets: SecretTally;
  /** fast-check seed: the same inputs on every run. */
  readonly seed: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
}

export interface PartResult {
  /** The recorder's key for this part's requests. */
  readonly part: string;
  /** What was tried, for the table ("fuzzed requests"). */
  readonly kind: string;
  readonly inputs: number;
  /** Checks that did not hold, each with enough to reproduce it. */
  readonly failures: readonly string[];
  /** The part's own figures, printed as it ends. */
  readonly lines: readonly string[];
  /** Faults: what they were, how many were survived out of how many. */
  readonly survived?: { readonly what: string; readonly ok: number; readonly of: number };
  /** Real executions: their deletions against the audit. */
  readonly deletions?: readonly { readonly run: string; readonly check: DeletionCheck }[];
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** A 2xx, or a 4xx whose body is JSON {error, message}: the problem, or undefined. */
export function malformed(status: number, contentType: string | null, text: string): string | undefined {
  if (status < 400 || status >= 500) return undefined;
  if (!/^application\/json/.test(contentType ?? '')) return `a ${status} without a JSON body (${contentType ?? 'no content-type'})`;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error !== 'string' || typeof body.message !== 'string') return `a ${status} whose JSON lacks error/message: ${text.slice(0, 120)}`;
  } catch {
    return `a ${status} whose body is not JSON: ${text.slice(0, 120)}`;
  }
  return undefined;
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A Markdown table, padded for the terminal. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** Statuses seen, e.g. "200 x1,234, 400 x56". */
export const statusList = (byStatus: ReadonlyMap<number, number>): string =>
  [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status} x${fmt(n)}`)
    .join(', ');
