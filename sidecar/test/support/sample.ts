/**
 * A small hand-built inventory with every case the query, report and HTTP tests need: shared layers,
 * an image without layer data, a multi-arch index with children and an attestation, enhanced and
 * never-scanned images, ECS uses (direct, through an index, non-ECR), a cross-account policy and an
 * incomplete repository. Figures in comments are the expected values.
 */
import type { Snapshot } from '../../src/snapshot/model.js';
import {
  ACCOUNT,
  DAY,
  MIB,
  NOW,
  NOT_SCANNED,
  OTHER_ACCOUNT,
  completeScan,
  makeCluster,
  makeFinding,
  makeImage,
  makeIncomplete,
  makeRepository,
  makeSnapshot,
  makeUse,
  scanCounts,
  layer,
} from './builders.js';
import { blobList, type BlobKey } from '../../src/snapshot/blob-key.js';

export const LAYER = {
  L1: layer('L1'),
  L2: layer('L2'),
  L3: layer('L3'),
  C1: layer('C1'),
  C2: layer('C2'),
  W1: layer('W1'),
  W1a: layer('W1a'),
  W2: layer('W2'),
  S1: layer('S1'),
};

export const api = makeRepository({
  name: 'team/api',
  scanOnPush: true,
  createdAt: NOW - 400 * DAY,
  lifecyclePolicyText: '{"rules":[{"rulePriority":1,"description":"keep 10, \\"old\\" go","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}',
  policy: { present: true, pullAccounts: [OTHER_ACCOUNT], pushAccounts: [], crossAccount: true },
  replicationDestinations: [{ region: 'us-west-2', registryId: ACCOUNT }],
});
export const web = makeRepository({ name: 'web', region: 'eu-west-1', createdAt: NOW - 30 * DAY, encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/k1' });
export const empty = makeRepository({ name: 'empty', accountId: OTHER_ACCOUNT, createdAt: NOW - 3 * DAY });

export const apiV1 = makeImage({
  repository: api,
  seed: 'api-v1',
  tags: ['v1', 'latest'],
  pushedAt: NOW - 2 * DAY,
  lastPulledAt: NOW - DAY - 3_600_000,
  sizeBytes: 100 * MIB,
  layers: blobList([LAYER.L1, LAYER.L2, LAYER.C1]),
  scan: completeScan({ CRITICAL: 1, HIGH: 2 }, NOW - 2 * DAY),
});
export const apiV0 = makeImage({
  repository: api,
  seed: 'api-v0',
  tags: ['v0'],
  pushedAt: NOW - 40 * DAY,
  sizeBytes: 90 * MIB,
  layers: blobList([LAYER.L1, LAYER.L3, LAYER.C2]),
  scan: { state: 'active', status: 'ACTIVE', scanType: 'ENHANCED', completedAt: NOW - 3 * DAY, counts: scanCounts({ HIGH: 1, MEDIUM: 3 }) },
});
/** No layer data: counted at its imageSizeInBytes in the deduplicated size. */
export const apiDangling = makeImage({
  repository: api,
  seed: 'api-dangling',
  pushedAt: NOW - 100 * DAY,
  lastPulledAt: NOW - 50 * DAY,
  sizeBytes: 80 * MIB,
  scan: NOT_SCANNED,
});

export const webAmd = makeImage({
  repository: web,
  seed: 'web-amd64',
  pushedAt: NOW - 5 * DAY,
  sizeBytes: 50 * MIB,
  layers: blobList([LAYER.W1, LAYER.W2]),
  scan: completeScan({}, NOW - 5 * DAY),
});
export const webArm = makeImage({
  repository: web,
  seed: 'web-arm64',
  pushedAt: NOW - 5 * DAY,
  sizeBytes: 45 * MIB,
  layers: blobList([LAYER.W1a, LAYER.W2]),
  scan: { state: 'pending', status: 'PENDING' },
});
export const webIndex = makeImage({
  repository: web,
  seed: 'web-index',
  tags: ['2.0'],
  kind: 'index',
  pushedAt: NOW - 5 * DAY + 1000,
  sizeBytes: 50 * MIB,
  children: [webAmd.digest, webArm.digest],
  scan: { state: 'unsupported', status: 'UNSUPPORTED_IMAGE' },
});
export const webSignature = makeImage({
  repository: web,
  seed: 'web-sig',
  kind: 'attestation',
  pushedAt: NOW - 5 * DAY + 2000,
  sizeBytes: MIB,
  subjectDigest: webIndex.digest,
  layers: blobList([LAYER.S1]),
  scan: { state: 'unsupported', status: 'UNSUPPORTED_IMAGE' },
  status: 'ARCHIVED',
});

export const findingsV1 = [
  makeFinding({ name: 'CVE-2024-0002', severity: 'HIGH', packageName: 'openssl', packageVersion: '3.0.1', fixedInVersion: '3.0.2', uri: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0002' }),
  makeFinding({ name: 'CVE-2024-0001', severity: 'CRITICAL', packageName: 'glibc', packageVersion: '2.31', uri: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001' }),
  makeFinding({ name: 'CVE-2024-0003', severity: 'HIGH', packageName: 'zlib', packageVersion: '1.2', score: 7.5 }),
];

export const SAMPLE_EXPECTED = {
  api: { summed: 270 * MIB, deduplicated: (60 + 30 + 1 + 20 + 1 + 80) * MIB },
  web: { summed: 96 * MIB, deduplicated: (40 + 35 + 10 + 1) * MIB },
} as const;
export const SAMPLE_LAYER_SIZES = new Map<BlobKey, number>([
  [LAYER.L1, 60 * MIB],
  [LAYER.L2, 30 * MIB],
  [LAYER.L3, 20 * MIB],
  [LAYER.C1, MIB],
  [LAYER.C2, MIB],
  [LAYER.W1, 40 * MIB],
  [LAYER.W1a, 35 * MIB],
  [LAYER.W2, 10 * MIB],
  [LAYER.S1, MIB],
]);

export function sampleSnapshot(version = 7): Snapshot {
  return makeSnapshot({
    version,
    repositories: [api, web, empty],
    images: [apiV1, apiV0, apiDangling, webIndex, webAmd, webArm, webSignature],
    layerSizes: SAMPLE_LAYER_SIZES,
    findings: new Map([[apiV1.digest, findingsV1]]),
    clusters: [makeCluster('prod'), makeCluster('staging')],
    uses: [
      makeUse({ kind: 'running-task', cluster: 'prod', task: 'task1', taskDefinition: 'web:3', container: 'web', reference: `${web.uri}:2.0`, digest: webIndex.digest, at: NOW - 3_600_000 }),
      makeUse({ kind: 'service', cluster: 'prod', service: 'api', taskDefinition: 'api:7', container: 'api', reference: `${api.uri}:v1`, at: NOW - 2 * DAY }),
      makeUse({ kind: 'task-definition', taskDefinition: 'api:6', container: 'api', reference: `${api.uri}@${apiV0.digest}` }),
      makeUse({ kind: 'stopped-task', cluster: 'staging', task: 'task9', container: 'proxy', reference: 'nginx:1.25', at: NOW - 7_200_000 }),
    ],
    incomplete: [makeIncomplete({ scope: 'images', accountId: OTHER_ACCOUNT, target: 'empty', operation: 'DescribeImages', error: 'AccessDeniedException' })],
  });
}
