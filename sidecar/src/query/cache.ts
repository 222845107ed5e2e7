import { LRUCache } from 'lru-cache';
import type { Snapshot } from '../snapshot/model.js';
import type { FrameBuilders } from './builder.js';
import type { QueryContext } from './context.js';
import type { QueryResult } from './engine.js';
import { BUILT_IN_BUILDERS, builderFor, executeQuery } from './engine.js';
import type { QueryRequest } from './request.js';

export interface QueryRunnerOptions {
  readonly ctx: QueryContext;
  /** Defaults to the built-in query types; add cleanup/lifecycle builders here. */
  readonly builders?: FrameBuilders;
  /** Bound on the cached JSON, in bytes (default 64 MiB). */
  readonly maxCacheBytes?: number;
  /** Results depending on "now" (days since, older than) are reused within this window (default 60 s). */
  readonly timeBucketMs?: number;
}

export interface CachedResult {
  readonly result: QueryResult;
  /** The result serialised once, so the HTTP layer can send it as is. */
  readonly json: string;
}

export interface QueryRunner {
  run(snapshot: Snapshot, request: QueryRequest): Promise<CachedResult & { readonly cached: boolean }>;
  readonly builders: FrameBuilders;
  clear(): void;
}

/** JSON with object keys sorted, so equal requests give equal cache keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Runs queries through an LRU cache keyed by snapshot version, time bucket and canonical request. */
export function createQueryRunner(options: QueryRunnerOptions): QueryRunner {
  const builders = options.builders ?? BUILT_IN_BUILDERS;
  const bucket = options.timeBucketMs ?? 60_000;
  const cache = new LRUCache<string, CachedResult>({
    maxSize: options.maxCacheBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (entry) => Math.max(1, entry.json.length * 2),
  });
  return {
    builders,
    async run(current, request) {
      // Keyed by the snapshot that answers, which may be older than the current one (FrameBuilder.answering).
      const builder = builderFor(request, builders);
      const snapshot = builder.answering ? await builder.answering(current, options.ctx) : current;
      const key = `${snapshot.version}|${Math.floor(options.ctx.now() / bucket)}|${canonicalJson(request)}`;
      const hit = cache.get(key);
      if (hit) return Object.assign({}, hit, { cached: true });
      const result = await executeQuery(snapshot, request, options.ctx, builders);
      const entry = { result, json: JSON.stringify(result) };
      // Entries larger than the whole cache are answered but not kept (lru-cache refuses them).
      if (entry.json.length * 2 <= (options.maxCacheBytes ?? 64 * 1024 * 1024)) cache.set(key, entry);
      return Object.assign({}, entry, { cached: false });
    },
    clear: () => cache.clear(),
  };
}
