/**
 * Random snapshots and filters for the property tests: few distinct values, so that sorts meet many
 * ties and nulls and filters meet both outcomes. Some repositories have a lifecycle policy, images
 * are used now (by a service or a stopped task) or remembered, and indexes list their neighbours.
 */
import fc from 'fast-check';
import type { Image, ImageUse, Repository, Snapshot } from '../../src/snapshot/model.js';
import { IMAGE_KINDS, SCAN_STATES, SEVERITIES } from '../../src/snapshot/model.js';
import {
  ACCOUNT,
  completeScan,
  DAY,
  digest,
  makeImage,
  makeRepository,
  makeSnapshot,
  makeUse,
  NOT_SCANNED,
  NOW,
  OTHER_ACCOUNT,
  REGION,
} from './builders.js';

/** Expires untagged images pushed over two days ago, and all but the newest two `v` tags. */
const LIFECYCLE_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 2 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 2 },
      action: { type: 'expire' },
    },
  ],
});

/** Few distinct values, so sorts meet many ties and nulls. */
export const imageArb = fc.record({
  seed: fc.integer({ min: 0, max: 30 }),
  tags: fc.subarray(['v1', 'v2', 'latest', 'dev-1']),
  kind: fc.constantFrom(...IMAGE_KINDS),
  pushedDay: fc.integer({ min: 0, max: 6 }),
  pulledHours: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  size: fc.integer({ min: 0, max: 4 }),
  counts: fc.option(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }), { nil: undefined }),
  used: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  // A task stopped this many hours ago, and a use the ledger last saw this many days ago.
  stoppedHours: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
  rememberedDays: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
});

export const snapshotArb = fc
  .array(
    fc.record({
      name: fc.constantFrom('api', 'web', 'team/api', 'b'),
      other: fc.boolean(),
      policy: fc.boolean(),
      images: fc.uniqueArray(imageArb, { maxLength: 12, selector: (i) => i.seed }),
    }),
    { maxLength: 5 },
  )
  .map((specs): Snapshot => {
    const repositories: Repository[] = [];
    const images: Image[] = [];
    const uses: ImageUse[] = [];
    const remembered: ImageUse[] = [];
    for (const spec of specs) {
      const repository = makeRepository({
        name: spec.name,
        accountId: spec.other ? OTHER_ACCOUNT : ACCOUNT,
        ...(spec.policy ? { lifecyclePolicyText: LIFECYCLE_POLICY } : {}),
      });
      if (repositories.some((r) => r.id === repository.id)) continue;
      repositories.push(repository);
      for (const [k, i] of spec.images.entries()) {
        // An index lists the next two images of its repository, so uses reach children through it.
        const children =
          i.kind === 'index'
            ? spec.images.slice(k + 1, k + 3).map((c) => makeImage({ repository, seed: `shared-${c.seed}` }).digest)
            : [];
        const image = makeImage({
          repository,
          seed: `shared-${i.seed}`,
          tags: i.tags,
          kind: i.kind,
          pushedAt: NOW - i.pushedDay * DAY,
          ...(i.pulledHours !== undefined ? { lastPulledAt: NOW - i.pulledHours * 3_600_000 } : {}),
          sizeBytes: i.size * 1000,
          scan: i.counts ? completeScan(Object.fromEntries(SEVERITIES.map((s, k) => [s, i.counts![k]!]))) : NOT_SCANNED,
          children,
        });
        images.push(image);
        const byDigest = {
          accountId: repository.accountId,
          reference: `${repository.uri}@${image.digest}`,
          digest: image.digest,
        };
        if (i.used) uses.push(makeUse({ cluster: i.used, ...byDigest }));
        if (i.stoppedHours !== undefined)
          uses.push(
            makeUse({
              kind: 'stopped-task',
              cluster: 'a',
              task: `t${i.seed}`,
              at: NOW - i.stoppedHours * 3_600_000,
              ...byDigest,
            }),
          );
        if (i.rememberedDays !== undefined)
          remembered.push(
            makeUse({
              kind: 'pod',
              namespace: 'ns',
              pod: `p${i.seed}`,
              firstSeenAt: NOW - 30 * DAY,
              lastSeenAt: NOW - i.rememberedDays * DAY,
              ...byDigest,
            }),
          );
      }
    }
    return makeSnapshot({ repositories, images, uses, remembered });
  });

/** Every filter that selects images or repositories, each with a few values. */
const allFilters = fc.record({
  registry: fc.constant(ACCOUNT),
  repository: fc.constantFrom('api', '*api', 'b', '{web,b}'),
  tag: fc.constantFrom('v*', 'latest', 'dev-?'),
  digest: fc.integer({ min: 0, max: 30 }).map((seed) => digest(`shared-${seed}`)),
  region: fc.constant(REGION),
  minSeverity: fc.constantFrom(...SEVERITIES),
  scanState: fc.subarray([...SCAN_STATES], { minLength: 1 }),
  kind: fc.subarray([...IMAGE_KINDS], { minLength: 1 }),
  pushedBefore: fc.integer({ min: 0, max: 7 }).map((d) => NOW - d * DAY),
  pushedAfter: fc.integer({ min: 0, max: 7 }).map((d) => NOW - d * DAY),
  pulledBefore: fc.integer({ min: 0, max: 100 }).map((h) => NOW - h * 3_600_000),
  pulledAfter: fc.integer({ min: 0, max: 100 }).map((h) => NOW - h * 3_600_000),
  olderThanDays: fc.integer({ min: 0, max: 7 }),
  notPulledForDays: fc.integer({ min: 0, max: 5 }),
  notUsedForDays: fc.integer({ min: 0, max: 7 }),
  inUse: fc.boolean(),
  untagged: fc.boolean(),
  cluster: fc.constantFrom('a', 'b'),
});

/** Up to `max` filters, chosen among all, as a client sends them (parse with `Filters`). */
export const filterInputArb = (max: number): fc.Arbitrary<Record<string, unknown>> =>
  allFilters.chain((all) =>
    fc
      .subarray(Object.keys(all), { maxLength: max })
      .map((keys) => Object.fromEntries(keys.map((k) => [k, all[k as keyof typeof all]]))),
  );
