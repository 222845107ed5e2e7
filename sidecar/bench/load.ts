/**
 * `npm run bench`'s load figures: the load half of bench/reliability.ts (a refresh running under a mix of queries,
 * /metrics scrapes and cleanup plans), with the sidecar's event-loop delay p99 and max, at 1,000,000 images unless
 * RELIABILITY_IMAGES says otherwise. The fault half runs with `npm run bench:reliability`.
 */
process.env.RELIABILITY_SKIP ??= 'faults';
await import('./reliability.js');
