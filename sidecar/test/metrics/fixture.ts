/**
 * A small hand-built snapshot for the metrics tests (and the real-Prometheus cross test): every figure
 * the tests assert on can be worked out from this file.
 */
import type { Snapshot } from '../../src/snapshot/model.js';
import {
  ACCOUNT,
  DAY,
  MIB,
  NOT_SCANNED,
  NOW,
  REGION,
  blobList,
  completeScan,
  layer,
  makeImage,
  makeIncomplete,
  makeRepository,
  makeSnapshot,
  makeUse,
} from '../support/builders.js';

export const EU = 'eu-west-1';

export const web = makeRepository({
  name: 'web',
  scanOnPush: true,
  tagMutability: 'IMMUTABLE',
  tags: { 'ecrlens:storage-threshold-bytes': '1000', team: 'web' },
});
export const api = makeRepository({ name: 'team/api' });
export const empty = makeRepository({ name: 'empty' });
export const broken = makeRepository({ name: 'broken' });
export const webEu = makeRepository({ name: 'web', region: EU, encryptionType: 'KMS' });

export const LAYER = {
  l1: layer('l1'),
  l2: layer('l2'),
  l3: layer('l3'),
  l4: layer('l4'),
  c1: layer('c1'),
  c2: layer('c2'),
};

/** web: tagged v1+latest, CRITICAL 2 / HIGH 1, running; tagged v0, never scanned; one untagged, scanned clean. */
export const webV1 = makeImage({
  repository: web,
  tags: ['v1', 'latest'],
  sizeBytes: 100 * MIB,
  pushedAt: NOW - 2 * DAY,
  lastPulledAt: NOW - DAY,
  layers: blobList([LAYER.l1, LAYER.l2]),
  scan: completeScan({ CRITICAL: 2, HIGH: 1 }, NOW - DAY),
});
export const webV0 = makeImage({
  repository: web,
  tags: ['v0'],
  sizeBytes: 50 * MIB,
  pushedAt: NOW - 20 * DAY,
  lastPulledAt: NOW - 15 * DAY,
  layers: blobList([LAYER.l1, LAYER.l3]),
  scan: NOT_SCANNED,
});
export const webUntagged = makeImage({
  repository: web,
  seed: 'web-untagged',
  sizeBytes: 30 * MIB,
  pushedAt: NOW - 30 * DAY,
  layers: blobList([LAYER.l4]),
  scan: completeScan({}, NOW - 29 * DAY),
});

/** team/api: a multi-arch index `prod` (used by a service) whose arm64 child has a CRITICAL finding, plus a signature. */
export const apiAmd = makeImage({
  repository: api,
  seed: 'api-amd',
  sizeBytes: 20 * MIB,
  pushedAt: NOW - 3 * DAY,
  layers: blobList([LAYER.c1]),
  scan: completeScan({ MEDIUM: 4 }),
});
export const apiArm = makeImage({
  repository: api,
  seed: 'api-arm',
  sizeBytes: 22 * MIB,
  pushedAt: NOW - 3 * DAY,
  layers: blobList([LAYER.c2]),
  scan: completeScan({ CRITICAL: 1 }),
});
export const apiIndex = makeImage({
  repository: api,
  tags: ['prod'],
  kind: 'index',
  sizeBytes: 22 * MIB,
  pushedAt: NOW - 3 * DAY,
  children: [apiAmd.digest, apiArm.digest],
  scan: { state: 'unsupported' },
});
export const apiSig = makeImage({
  repository: api,
  seed: 'api-sig',
  kind: 'attestation',
  sizeBytes: 1000,
  pushedAt: NOW - 3 * DAY,
  subjectDigest: apiIndex.digest,
  layers: blobList([]),
  scan: { state: 'unsupported' },
});

/** eu web: one tagged image whose scan is still pending (counts unknown). */
export const webEuImage = makeImage({
  repository: webEu,
  tags: ['v1'],
  sizeBytes: 10 * MIB,
  pushedAt: NOW - DAY,
  scan: { state: 'pending' },
});

export function metricsFixture(version = 7): Snapshot {
  return makeSnapshot({
    version,
    repositories: [web, api, empty, broken, webEu],
    images: [webV1, webV0, webUntagged, apiAmd, apiArm, apiIndex, apiSig, webEuImage],
    layerSizes: new Map([
      [LAYER.l1, 60 * MIB],
      [LAYER.l2, 40 * MIB],
      [LAYER.l3, 5 * MIB],
      [LAYER.l4, 30 * MIB],
      [LAYER.c1, 20 * MIB],
      [LAYER.c2, 22 * MIB],
    ]),
    uses: [
      makeUse({ kind: 'running-task', cluster: 'prod', reference: `${web.uri}:v1` }),
      makeUse({ kind: 'task-definition', taskDefinition: 'web:3', reference: `${web.uri}:v0` }),
      makeUse({ kind: 'service', cluster: 'prod', service: 'api', reference: `${api.uri}:prod` }),
    ],
    incomplete: [makeIncomplete({ scope: 'images', target: 'broken', operation: 'DescribeImages' })],
  });
}

export { ACCOUNT, REGION, NOW, MIB };
