/**
 * Per-image series degrade, not disappear: with a cap far below the registry's per-image series, a real Prometheus
 * still joins kube_pod_container_info with the per-image series of every image in use, and the sidecar says how
 * many series it left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSidecar, type DemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';
import { countImageSeries, seriesOf } from '../../sidecar/src/metrics/image-series.js';
import { imageKey, type Image, type Repository, type Snapshot } from '../../sidecar/src/snapshot/model.js';
import type { PrometheusHandle } from '../support/prometheus.js';
import { scrapeSidecarAndPods, type KubeAndPrometheus } from '../support/kube-stand-in.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TOKEN = 'image-series-cap-token';
const SYNTHETIC = { repositories: 12, imagesPerRepository: 10 };

let demo: DemoSidecar;
let scraping: KubeAndPrometheus;
let prometheus: PrometheusHandle;
let running: { repository: Repository; image: Image; tag: string }[];
let cap: number;
let total: number;

/** Tagged images ECS uses now (directly): the ones the cap must keep. */
function usedTagged(snapshot: Snapshot): { repository: Repository; image: Image; tag: string }[] {
  return snapshot.repositories.flatMap((repository) =>
    (snapshot.imagesByRepository.get(repository.id) ?? [])
      .filter((image) => image.tags.length > 0 && (snapshot.usesByImage.get(imageKey(image))?.length ?? 0) > 0)
      .map((image) => ({ repository, image, tag: image.tags[0]! })),
  );
}

beforeAll(async () => {
  // The demo is deterministic: size the cap from a first look to the series of the first three images in use, which
  // the sidecar keeps first (in repository order); pods run those three.
  const look = await startDemoSidecar({ synthetic: SYNTHETIC });
  const snapshot = look.inventory.snapshot();
  running = usedTagged(snapshot).slice(0, 3);
  cap = running.reduce((n, r) => n + seriesOf(snapshot, r.image), 0);
  total = countImageSeries(snapshot);
  await look.close();

  demo = await startDemoSidecar({
    synthetic: SYNTHETIC,
    env: { METRICS_TOKEN: TOKEN, METRICS_IMAGE_SERIES_CAP: String(cap) },
  });
  scraping = await scrapeSidecarAndPods(
    demo.url,
    TOKEN,
    running.map((r, i) => ({ pod: `pod-${i}`, image: `${r.repository.uri}:${r.tag}` })),
  );
  prometheus = scraping.prometheus;
});

afterAll(async () => {
  await scraping?.close();
  await demo?.close();
});

describe('per-image series over the cap', () => {
  it('keeps joining every running image, and counts what it left out', async () => {
    expect(running.length).toBeGreaterThan(0);
    expect(cap).toBeLessThan(total / 2);
    const joined = await prometheus.query(
      'max by (namespace, pod, image) (kube_pod_container_info) * on (image) group_left(name, tag) aws_ecr_image_size_in_bytes',
    );
    expect(joined.map((s) => s.metric.image).sort()).toEqual(running.map((r) => `${r.repository.uri}:${r.tag}`).sort());
    const [dropped] = await prometheus.query('ecrlens_image_series_dropped');
    const [series] = await prometheus.query('ecrlens_image_series');
    expect(series?.value).toBe(total);
    expect(dropped?.value).toBeGreaterThanOrEqual(total - cap);
    const [enabled] = await prometheus.query('ecrlens_image_series_enabled');
    expect(enabled?.value).toBe(1);
  });
});
