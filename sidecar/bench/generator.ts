/** Benchmark: synthetic generator time and memory at 5,000 repositories / 1,000,000 images. Prints figures. */
import { pathToFileURL } from 'node:url';
import { generateFixture, LARGE_PARAMS } from '../src/demo/generate.js';
import type { SyntheticParams } from '../src/demo/generate.js';
import { EmulatorStore } from '../src/demo/store.js';

export interface GeneratorBenchResult {
  readonly repositories: number;
  readonly images: number;
  readonly generateMs: number;
  readonly storeMs: number;
  readonly peakRssMb: number;
  readonly heapUsedMb: number;
}

const mb = (bytes: number): number => Math.round(bytes / 1_048_576);

export async function main(params: Partial<SyntheticParams> = {}): Promise<GeneratorBenchResult> {
  const p = { ...LARGE_PARAMS, ...params };
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const t0 = performance.now();
  const fixture = generateFixture(p);
  const generateMs = performance.now() - t0;
  // Let the sampler run at least once between the phases.
  await new Promise((r) => setTimeout(r, 60));
  const t1 = performance.now();
  const store = new EmulatorStore(fixture);
  const storeMs = performance.now() - t1;
  await new Promise((r) => setTimeout(r, 60));
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const summary = store.summary();
  const result: GeneratorBenchResult = {
    repositories: summary.reduce((n, r) => n + r.repositories, 0),
    images: summary.reduce((n, r) => n + r.images, 0),
    generateMs: Math.round(generateMs),
    storeMs: Math.round(storeMs),
    peakRssMb: mb(peakRss),
    heapUsedMb: mb(process.memoryUsage().heapUsed),
  };
  console.log('generator benchmark (synthetic fixture + emulator store)');
  console.table([{ ...result, goal: '< 60,000 ms generate, < 2,048 MB' }]);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
