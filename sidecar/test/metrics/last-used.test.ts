import { describe, expect, it } from 'vitest';
import { MetricsConfig } from '../../src/metrics/config.js';
import { MetricsRenderer } from '../../src/metrics/renderer.js';
import type { Snapshot } from '../../src/snapshot/model.js';
import {
  completeScan,
  DAY,
  fakeInventory,
  makeImage,
  makeRepository,
  makeSnapshot,
  makeUse,
  NOW,
} from '../support/builders.js';
import {
  api,
  apiChild,
  apiIndex,
  LAMBDA_SEEN,
  READ_AT,
  rememberedKeep,
  rememberedLambda,
  rememberedPod,
  running,
  stopped,
  web,
  webAmd,
  webArm,
  webIndex,
  webNever,
  webOld,
  webStopped,
} from '../support/last-used.js';
import { find, parseSamples, value } from './exposition.js';

const quiet = makeRepository({ name: 'quiet' });
const quietImage = makeImage({ repository: quiet, tags: ['q1'] });

const snapshot = makeSnapshot({
  repositories: [web, api, quiet],
  images: [webAmd, webArm, webIndex, webOld, webStopped, webNever, apiChild, apiIndex, quietImage],
  uses: [running, stopped],
  remembered: [rememberedPod, rememberedLambda, rememberedKeep],
});

async function samples(of: Snapshot, env: Record<string, string> = {}) {
  const renderer = new MetricsRenderer({ inventory: fakeInventory(of), config: MetricsConfig.parse(env) });
  return parseSamples((await renderer.render('prometheus')).body);
}

const repoLabels = (repo: { accountId: string; name: string; region: string }) => ({
  registry_id: repo.accountId,
  region: repo.region,
  repository_name: repo.name,
});

describe('last used, per repository', () => {
  it('is the most recent use of any image, seen now or remembered; no series when never used', async () => {
    const s = await samples(snapshot);
    expect(value(s, 'ecrlens_repository_last_used_timestamp_seconds', repoLabels(web))).toBe(READ_AT / 1000);
    // Only a keep list remembered 40 days ago.
    expect(value(s, 'ecrlens_repository_last_used_timestamp_seconds', repoLabels(api))).toBe((NOW - 40 * DAY) / 1000);
    expect(find(s, 'ecrlens_repository_last_used_timestamp_seconds', repoLabels(quiet))).toEqual([]);
  });
});

describe('last used, per image', () => {
  it('has a series per tag of a used image, with the per-image labels', async () => {
    const s = await samples(snapshot);
    const series = find(s, 'ecrlens_image_last_used_timestamp_seconds').map((x) => [x.labels.image, x.value]);
    expect(series.sort()).toEqual(
      [
        [`${web.uri}:2.0`, READ_AT / 1000],
        [`${web.uri}:1.0`, LAMBDA_SEEN / 1000],
        [`${web.uri}:0.9`, (NOW - 3 * DAY) / 1000],
        [`${api.uri}:old`, (NOW - 40 * DAY) / 1000],
      ].sort(),
    );
    expect(find(s, 'ecrlens_image_last_used_timestamp_seconds', { image: `${web.uri}:1.0` })[0]!.labels).toEqual({
      name: 'web',
      tag: '1.0',
      digest: webOld.digest,
      registry_id: web.accountId,
      image: `${web.uri}:1.0`,
    });
  });

  it('counts in the per-image series cap, and degrades with the other per-image families', async () => {
    // 5 tagged images × (size, pushed) + 4 used ones × last used.
    expect(value(await samples(snapshot), 'ecrlens_image_series')).toBe(14);
    const capped = await samples(snapshot, { METRICS_IMAGE_SERIES_CAP: '13' });
    expect(value(capped, 'ecrlens_image_series_enabled')).toBe(1);
    const emitted = capped.filter((x) => x.name.startsWith('aws_ecr_image_') || x.name === 'ecrlens_image_last_used_timestamp_seconds');
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.length).toBeLessThanOrEqual(13);
    expect(value(capped, 'ecrlens_image_series_dropped')).toBe(14 - emitted.length);
    // The image running now keeps its series.
    expect(find(capped, 'ecrlens_image_last_used_timestamp_seconds', { image: `${web.uri}:2.0` })).toHaveLength(1);
    // The per-repository gauge is not per image: it stays.
    expect(value(capped, 'ecrlens_repository_last_used_timestamp_seconds', repoLabels(api))).toBe(
      (NOW - 40 * DAY) / 1000,
    );
  });
});

describe('critical images in use', () => {
  it('counts images running now in a task, service, Lambda function or pod; not remembered, stopped, keep-list or task-definition uses', async () => {
    const crit = makeRepository({ name: 'crit' });
    const kinds = [
      'running-task',
      'service',
      'lambda-function',
      'pod',
      'stopped-task',
      'keep-list',
      'task-definition',
      'remembered',
    ] as const;
    const images = kinds.map((kind) =>
      makeImage({ repository: crit, tags: [kind], scan: completeScan({ CRITICAL: 1 }) }),
    );
    const uses = kinds
      .filter((k) => k !== 'remembered')
      .map((kind) => makeUse({ kind, reference: `${crit.uri}:${kind}`, at: NOW - DAY }));
    const remembered = [
      makeUse({
        kind: 'running-task',
        reference: `${crit.uri}:remembered`,
        digest: images[7]!.digest,
        lastSeenAt: NOW - DAY,
      }),
    ];
    const s = await samples(makeSnapshot({ repositories: [crit], images, uses, remembered }));
    expect(value(s, 'ecrlens_repository_critical_images_in_use', repoLabels(crit))).toBe(4);
    // Every one of them was used, so the repository was used now.
    expect(value(s, 'ecrlens_repository_last_used_timestamp_seconds', repoLabels(crit))).toBe((NOW - 60_000) / 1000);
  });
});
