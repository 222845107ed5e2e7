/**
 * Events benchmark: an "event-driven hour" against the emulator in a child process (1,000 repositories /
 * ~100,000 images, 30 ms per call). After a first full refresh, 100 pushes are made through the emulator's
 * controls, one after the other; the consumer long-polls the emulator's SQS queue and applies each push's event
 * in a targeted refresh, preparing the snapshot as server.ts does (indexes, cleanup plan, /metrics text).
 * Prints the AWS calls of those 100 targeted refreshes against one steady full refresh, and push-to-visible
 * latency: from the push answered to the pushed image served (its query indexes made; its cleanup plan and
 * /metrics text are made just after, and that latency is printed too).
 *
 *   tsx bench/events.ts            BENCH_EVENTS_PUSHES (default 100), BENCH_LATENCY_MS (default 30)
 *   BENCH_EVENTS_LARGE=1           at 5,000 repositories / 1,000,000 images (no enhanced scans; 10 pushes by default)
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { EventQueue } from '../src/aws/events-queue.js';
import { AwsCallStats } from '../src/aws/stats.js';
import { silentLogger } from '../src/log.js';
import { EventConsumer } from '../src/refresh/event-consumer.js';
import type { EmulatorSummary } from './emulator-process.js';
import { startEmulatorProcess } from './emulator-process.js';
import { LARGE, MEDIUM, preparedRefresher } from './refresh.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const fmt = (n: number): string => n.toLocaleString('en-US');
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const sum = (calls: Record<string, number>): number => Object.values(calls).reduce((a, b) => a + b, 0);
const digestOf = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

/** When `check` first holds (performance.now()), asked every 5 ms: the snapshot is served between the event loop's turns. */
function firstTime(check: () => boolean): Promise<number> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!check()) return;
      clearInterval(timer);
      resolve(performance.now());
    }, 5);
    // A push never served fails the run elsewhere: the timer must not keep the process alive then.
    timer.unref();
  });
}

export async function main(): Promise<void> {
  const large = process.env.BENCH_EVENTS_LARGE === '1';
  const scale = large ? { ...LARGE, params: { ...LARGE.params, enhancedShare: 0, awsNativeShare: 0 } } : MEDIUM;
  const pushes = Number(process.env.BENCH_EVENTS_PUSHES ?? (large ? 10 : 100));
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 30);
  console.log(`\n== events: ${pushes} pushes on ${scale.name} (emulator latency ${latencyMs} ms per call)`);
  const emulator = await startEmulatorProcess(scale.params);
  try {
    const summary = await emulator.admin<EmulatorSummary>('GET', '/summary');
    await emulator.admin('PUT', '/controls', { faults: { '*': { latencyMs } } });
    const stats = new AwsCallStats();
    const { clients, refresher } = preparedRefresher(emulator.url, summary, stats);
    const queueUrl = `${emulator.url}/${summary.defaultAccountId}/ecr-lens-events`;
    const consumer = new EventConsumer({ queue: new EventQueue(clients.sqs(summary.defaultRegion), queueUrl), applier: refresher, log: silentLogger });
    try {
      await refresher.run();
      const t0 = performance.now();
      const beforeSteady = stats.snapshot();
      await refresher.run();
      const steadyMs = performance.now() - t0;
      const steadyCalls = AwsCallStats.diff(beforeSteady, stats.snapshot());
      const images = refresher.snapshot().images.length;
      console.log(`  snapshot: ${fmt(refresher.snapshot().repositories.length)} repositories, ${fmt(images)} images`);
      console.log(`  one steady full refresh: ${(steadyMs / 1000).toFixed(1)} s, ${fmt(sum(steadyCalls))} AWS requests`);

      consumer.start();
      const repositories = refresher.snapshot().repositories.filter((r) => r.accountId === summary.defaultAccountId && r.region === summary.defaultRegion);
      const beforeHour = stats.snapshot();
      const latencies: number[] = [];
      const finished: number[] = [];
      for (let i = 0; i < pushes; i += 1) {
        const repository = repositories[(i * 37) % repositories.length]!;
        const digest = digestOf(`bench-push-${i}`);
        const applied = once(consumer.rounds, 'applied');
        await emulator.admin('POST', '/images', {
          repositoryName: repository.name,
          image: { digest, tags: [`bench-${i}`], mediaType: 'application/vnd.oci.image.manifest.v1+json', pushedAt: Math.floor(Date.now() / 1000), layers: [{ digest: digestOf(`bench-layer-${i}`), size: 1_000_000 }] },
        });
        const pushedAt = performance.now();
        const served = () => refresher.snapshot().imagesByRepository.get(repository.id)?.some((image) => image.digest === digest) === true;
        const visible = firstTime(served);
        await applied;
        if (!served()) throw new Error(`push ${i} not served after its event`);
        latencies.push((await visible) - pushedAt);
        finished.push(performance.now() - pushedAt);
      }
      const hourCalls = AwsCallStats.diff(beforeHour, stats.snapshot());
      const state = consumer.state();
      latencies.sort((a, b) => a - b);
      finished.sort((a, b) => a - b);
      const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      console.log(`  event-driven hour (${pushes} pushes): ${fmt(sum(hourCalls))} AWS requests in ${fmt(state.targetedRefreshes)} targeted refreshes (${(sum(hourCalls) / pushes).toFixed(1)} per push), vs ${fmt(sum(steadyCalls))} for one full refresh`);
      for (const [op, n] of Object.entries(hourCalls).sort()) console.log(`    ${op.padEnd(36)} ${fmt(n).padStart(9)}`);
      console.log(`  push-to-visible: p50 ${s(percentile(latencies, 0.5))}, p99 ${s(percentile(latencies, 0.99))}, max ${s(latencies.at(-1) ?? 0)} (goal: within 10 s)`);
      console.log(`  push to its cleanup plan and /metrics text made: p50 ${s(percentile(finished, 0.5))}, max ${s(finished.at(-1) ?? 0)}`);
    } finally {
      await consumer.stop();
      await refresher.stop();
      clients.destroy();
    }
  } finally {
    await emulator.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
