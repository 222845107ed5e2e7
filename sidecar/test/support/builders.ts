/**
 * Hand-built snapshots for tests. Every builder takes a partial and fills the rest with plain,
 * predictable defaults (account 111111111111, region us-east-1, times in 2024), so a test states only
 * what it asserts on.
 */
import { createHash } from 'node:crypto';
import { buildSnapshot } from '../../src/snapshot/build.js';
import type {
  Cluster,
  Finding,
  Image,
  ImageUse,
  Incomplete,
  Registry,
  Repository,
  ScanResult,
  Severity,
  SeverityCounts,
  Snapshot,
  SnapshotInput,
} from '../../src/snapshot/model.js';
import { repositoryId } from '../../src/snapshot/model.js';
import { repositoryUri } from '../../src/snapshot/reference.js';
import type { Inventory, InventoryStatus, RefreshOutcome } from '../../src/snapshot/inventory.js';
import { blobKey, type BlobKey } from '../../src/snapshot/blob-key.js';
export { blobKeys, blobList } from '../../src/snapshot/blob-key.js';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'us-east-1';
/** 2024-06-01T00:00:00Z: the "now" most tests use. */
export const NOW = Date.UTC(2024, 5, 1);
export const DAY = 86_400_000;
export const MIB = 1024 * 1024;

/** A stable sha256 digest derived from a readable seed: `digest('app-v1')`. */
export const digest = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
/** A layer blob of the snapshot: its digest as the snapshot keys it (blob-key.ts). */
export const layer = (seed: string): BlobKey => blobKey(digest(seed));

type RepositoryPatch = Partial<Omit<Repository, 'id' | 'arn' | 'uri'>> & { name: string };

export function makeRepository(patch: RepositoryPatch): Repository {
  const accountId = patch.accountId ?? ACCOUNT;
  const region = patch.region ?? REGION;
  return {
    accountId,
    region,
    createdAt: NOW - 365 * DAY,
    tagMutability: 'MUTABLE',
    scanOnPush: false,
    encryptionType: 'AES256',
    policy: { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false },
    replicationDestinations: [],
    tags: {},
    ...patch,
    id: repositoryId(accountId, region, patch.name),
    arn: `arn:aws:ecr:${region}:${accountId}:repository/${patch.name}`,
    uri: repositoryUri(accountId, region, patch.name),
  };
}

export function scanCounts(patch: Partial<Record<Severity, number>> = {}): SeverityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0, ...patch };
}

/** A basic scan that completed with the given counts. */
export const completeScan = (patch: Partial<Record<Severity, number>> = {}, completedAt = NOW - DAY): ScanResult => ({
  state: 'complete',
  status: 'COMPLETE',
  scanType: 'BASIC',
  completedAt,
  counts: scanCounts(patch),
});

export const NOT_SCANNED: ScanResult = { state: 'not_scanned' };

type ImagePatch = Partial<Omit<Image, 'repositoryId'>> & { repository: Repository | string; seed?: string };

/** An image in `repository`; its digest comes from `seed` (or the first tag) unless given. */
export function makeImage(patch: ImagePatch): Image {
  const { repository, seed, ...rest } = patch;
  const repoId = typeof repository === 'string' ? repository : repository.id;
  const name = seed ?? `${repoId}:${rest.tags?.[0] ?? 'untagged'}:${rest.pushedAt ?? 0}`;
  return {
    digest: digest(name),
    tags: [],
    kind: 'image',
    pushedAt: NOW - 10 * DAY,
    sizeBytes: 10 * MIB,
    status: 'ACTIVE',
    children: [],
    scan: NOT_SCANNED,
    ...rest,
    repositoryId: repoId,
  };
}

export function makeUse(patch: Partial<ImageUse> & { reference: string }): ImageUse {
  return { kind: 'running-task', accountId: ACCOUNT, region: REGION, ...patch };
}

export function makeFinding(patch: Partial<Finding> & { name: string }): Finding {
  return { severity: 'HIGH', source: 'basic', ...patch };
}

export function makeCluster(name: string, accountId = ACCOUNT, region = REGION): Cluster {
  return { accountId, region, name, arn: `arn:aws:ecs:${region}:${accountId}:cluster/${name}` };
}

export function makeRegistry(patch: Partial<Registry> = {}): Registry {
  return { accountId: ACCOUNT, region: REGION, replicationRules: [], scanType: 'BASIC', scanningRules: [], ...patch };
}

export function makeIncomplete(patch: Partial<Incomplete> & Pick<Incomplete, 'scope'>): Incomplete {
  return { accountId: ACCOUNT, region: REGION, operation: 'DescribeImages', error: 'ThrottlingException', ...patch };
}

/** A SnapshotInput; registries default to one per (account, region) of the repositories given. */
export function snapshotInput(patch: Partial<SnapshotInput> = {}): SnapshotInput {
  const repositories = patch.repositories ?? [];
  const registries =
    patch.registries ??
    [...new Map(repositories.map((r) => [`${r.accountId}/${r.region}`, makeRegistry({ accountId: r.accountId, region: r.region })])).values()];
  return {
    version: 1,
    refreshStartedAt: NOW - 60_000,
    builtAt: NOW,
    images: [],
    layerSizes: new Map(),
    findings: new Map(),
    clusters: [],
    uses: [],
    incomplete: [],
    ...patch,
    repositories,
    registries,
  };
}

export const makeSnapshot = (patch: Partial<SnapshotInput> = {}): Snapshot => buildSnapshot(snapshotInput(patch));

export function readyStatus(snapshot: Snapshot, patch: Partial<InventoryStatus> = {}): InventoryStatus {
  return {
    ready: true,
    stale: false,
    snapshotVersion: snapshot.version,
    lastSuccessAt: snapshot.builtAt,
    lastAttemptAt: snapshot.refreshStartedAt,
    lastDurationMs: snapshot.builtAt - snapshot.refreshStartedAt,
    refreshing: false,
    consecutiveFailures: 0,
    refreshErrorsTotal: 0,
    incomplete: snapshot.incomplete,
    ...patch,
  };
}

/** An in-memory Inventory: `set` swaps the snapshot, `refreshCalls` counts refresh requests. */
export interface FakeInventory extends Inventory {
  set(snapshot: Snapshot, status?: Partial<InventoryStatus>): void;
  readonly refreshCalls: number;
}

export function fakeInventory(
  initial: Snapshot | undefined,
  onRefresh?: (status: InventoryStatus) => RefreshOutcome | Promise<RefreshOutcome>,
): FakeInventory {
  let snapshot = initial ?? makeSnapshot({ version: 0 });
  let status: InventoryStatus = initial
    ? readyStatus(initial)
    : { ...readyStatus(snapshot), ready: false, snapshotVersion: 0, lastSuccessAt: undefined, incomplete: [] };
  let calls = 0;
  return {
    snapshot: () => snapshot,
    status: () => status,
    refresh: async () => {
      calls += 1;
      return onRefresh ? onRefresh(status) : { started: true, status };
    },
    refreshUses: async () => snapshot,
    set(next, patch = {}) {
      snapshot = next;
      status = readyStatus(next, patch);
    },
    get refreshCalls() {
      return calls;
    },
  };
}
