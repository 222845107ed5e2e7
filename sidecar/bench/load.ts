/**
 * `npm run bench`'s load figures: the load half of bench/reliability.ts (a refresh running under a mix of queries,
 * /metrics scrapes and cleanup plans), with the sidecar's event-loop delay p99 and max, at 1,000,000 images unless
 * RELIABILITY_IMAGES says otherwise. The fault half runs with `npm run bench:reliability`.
 */
process.env.RELIABILITY_SKIP ??= 'faults';
// As the README's figures: no enhanced or AWS-native scans (a findings call per image would make the first refresh
// take about nine minutes), and a load long enough for the refresh to run from start to swap inside it.
process.env.RELIABILITY_PARAMS ??= 'enhancedShare=0,awsNativeShare=0';
process.env.RELIABILITY_LOAD_SECONDS ??= '240';
await import('./reliability.js');
