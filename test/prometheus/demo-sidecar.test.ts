/**
 * A real Prometheus scrapes the demo sidecar (the emulator, the refresher, the real server and its
 * /metrics wiring) and a kube-state-metrics stand-in listing pods that run images of the demo snapshot.
 * PromQL answers agree with the snapshot, including the README join on `image`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';
import { startDemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';
import type { Image, Repository } from '../../sidecar/src/snapshot/model.js';
import type { PrometheusHandle } from '../support/prometheus.js';
import { scrapeSidecarAndPods, type KubeAndPrometheus } from '../support/kube-stand-in.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TOKEN = 'demo-metrics-token';

let demo: DemoSidecar;
let scraping: KubeAndPrometheus;
let prometheus: PrometheusHandle;
/** Tagged images with CRITICAL findings, and one tagged image whose scan counts are unknown. */
let critical: { repository: Repository; image: Image; tag: string }[];
let unscanned: { repository: Repository; image: Image; tag: string } | undefined;

beforeAll(async () => {
  demo = await startDemoSidecar({
    synthetic: { repositories: 12, imagesPerRepository: 10 },
    env: { METRICS_TOKEN: TOKEN, METRICS_IMAGE_SERIES_CAP: '1000000' },
  });
  const snapshot = demo.inventory.snapshot();
  const tagged = snapshot.repositories.flatMap((repository) =>
    (snapshot.imagesByRepository.get(repository.id) ?? []).flatMap((image) =>
      image.tags.map((tag) => ({ repository, image, tag })),
    ),
  );
  critical = tagged.filter((t) => (t.image.scan.counts?.CRITICAL ?? 0) > 0).slice(0, 3);
  unscanned = tagged.find((t) => t.image.kind === 'image' && !t.image.scan.counts);
  const pods = [...critical, ...(unscanned ? [unscanned] : [])];
  scraping = await scrapeSidecarAndPods(
    demo.url,
    TOKEN,
    pods.map((p, i) => ({ pod: `pod-${i}`, image: `${p.repository.uri}:${p.tag}` })),
  );
  prometheus = scraping.prometheus;
});

afterAll(async () => {
  await scraping?.close();
  await demo?.close();
});

describe('Prometheus scraping the demo sidecar', () => {
  it('sees the repositories and images of the snapshot', async () => {
    const snapshot = demo.inventory.snapshot();
    const repositories = await prometheus.query('ecr_repositories_total');
    expect(repositories.map((s) => s.value)).toEqual([snapshot.repositories.length]);
    const perAccount = await prometheus.query('aws_ecr_repository_count');
    const expected = new Map<string, number>();
    for (const r of snapshot.repositories) expected.set(r.accountId, (expected.get(r.accountId) ?? 0) + 1);
    expect(new Map(perAccount.map((s) => [s.metric.registry_id!, s.value]))).toEqual(expected);
    const images = await prometheus.query('sum(ecr_images_total)');
    expect(images[0]?.value).toBe(snapshot.images.length);
    expect(snapshot.version).toBeGreaterThan(0);
    const version = await prometheus.query('ecrlens_inventory_snapshot_version');
    expect(version[0]?.value).toBe(demo.inventory.status().snapshotVersion);
  });

  it('counts the AWS calls the refresh made to the emulator', async () => {
    const calls = await prometheus.query('ecrlens_aws_api_calls_total{service=~"(?i)ecr", operation="DescribeImages"}');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.reduce((n, s) => n + s.value, 0)).toBeGreaterThan(0);
  });

  it('joins kube_pod_container_info on image with the scan series of every tag', async () => {
    expect(critical.length).toBeGreaterThan(0);
    const result = await prometheus.query(
      'max by (namespace, container, image, pod) (kube_pod_container_info) * on (image) group_left(name, tag) aws_ecr_image_scan_severity_count{severity="CRITICAL"}',
    );
    const got = result.map((s) => [s.metric.image, s.metric.name, s.metric.tag, s.value]).sort();
    const want = critical
      .map((c) => [`${c.repository.uri}:${c.tag}`, c.repository.name, c.tag, c.image.scan.counts!.CRITICAL])
      .sort();
    expect(got).toEqual(want);
    // A pod on an image whose scan counts are unknown joins nothing (no zero-filled series).
    expect(unscanned).toBeDefined();
    const none = await prometheus.query(
      `aws_ecr_image_scan_severity_count{image="${unscanned!.repository.uri}:${unscanned!.tag}"}`,
    );
    expect(none).toEqual([]);
  });
});
