/** Benchmark: DescribeImages throughput of the emulator through the real SDK client. Prints figures. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { pathToFileURL } from 'node:url';
import { DescribeImagesCommand, ECRClient, paginateDescribeImages } from '@aws-sdk/client-ecr';
import { generateFixture, LARGE_PARAMS } from '../src/demo/generate.js';
import type { SyntheticParams } from '../src/demo/generate.js';
import { startEmulator } from '../src/demo/server.js';

export interface EmulatorBenchResult {
  readonly images: number;
  readonly calls: number;
  readonly callsPerSecond: number;
  readonly imagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** Pages DescribeImages (1000 per page) over every repository of one registry, with `concurrency` repositories at a time. */
export async function main(params: Partial<SyntheticParams> = {}, concurrency = 8): Promise<EmulatorBenchResult> {
  const fixture = generateFixture({ ...LARGE_PARAMS, ...params });
  const emulator = await startEmulator({ fixture });
  try {
    const registry = fixture.registries[0]!;
    const client = new ECRClient({
      endpoint: emulator.url,
      region: registry.region,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    // Warm up the connection and the code paths.
    await client.send(new DescribeImagesCommand({ repositoryName: registry.repositories[0]!.name, maxResults: 10 }));
    const queue = registry.repositories.map((r) => r.name);
    const latencies: number[] = [];
    let images = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          let t = performance.now();
          for await (const page of paginateDescribeImages(
            { client, pageSize: 1000 },
            { repositoryName: name, filter: { imageStatus: 'ANY' } },
          )) {
            const now = performance.now();
            latencies.push(now - t);
            t = now;
            images += page.imageDetails?.length ?? 0;
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const result: EmulatorBenchResult = {
      images,
      calls: latencies.length,
      callsPerSecond: Math.round(latencies.length / seconds),
      imagesPerSecond: Math.round(images / seconds),
      p50Ms: Math.round(percentile(latencies, 0.5) * 10) / 10,
      p99Ms: Math.round(percentile(latencies, 0.99) * 10) / 10,
    };
    console.log(
      `emulator benchmark: DescribeImages (pageSize 1000, ${concurrency} repositories in parallel) through @aws-sdk/client-ecr`,
    );
    console.table([result]);
    return result;
  } finally {
    await emulator.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
