import type { Level, QueryType, Severity } from './enums.js';

/**
 * The columns of every frame the sidecar serves, in order. The sidecar's frame builders name their columns
 * from these lists (a column outside its list does not compile), and the golden frames test checks that each
 * frame has exactly these columns. The plugin builds its data links from them, without guessing.
 */
export const FRAME_FIELDS = {
  repositories: [
    'account', 'region', 'repository', 'uri', 'createdAt', 'tagMutability', 'scanOnPush', 'encryptionType', 'kmsKey',
    'imagesTagged', 'imagesUntagged', 'imageCount', 'summedSizeBytes', 'deduplicatedSizeBytes', 'monthlyCostUsd',
    'lastPushedAt', 'lastPulledAt', 'daysSinceLastPull', 'hasLifecyclePolicy', 'lifecyclePolicyText',
    'replicationDestinations', 'crossAccountAccess', 'pullAccounts', 'pushAccounts', 'incomplete',
  ],
  images: [
    'account', 'region', 'repository', 'digest', 'tags', 'kind', 'pushedAt', 'sizeBytes', 'lastPulledAt',
    'daysSinceLastPull', 'scanState', 'critical', 'high', 'medium', 'low', 'informational', 'undefined', 'inUse',
    'inUseBy', 'lastUsedAt', 'lastUsedBy', 'imageStatus', 'uri',
  ],
  cost: [
    'account', 'region', 'repository', 'imageCount', 'summedSizeBytes', 'deduplicatedSizeBytes', 'monthlyCostUsd',
    'pricePerGbMonth', 'archivedImageCount', 'archivedSummedSizeBytes', 'deduplicatedComplete', 'imagesWithoutSize',
    'reclaimableBytes', 'reclaimableImages', 'reclaimableMonthlyUsd',
  ],
  /** severity per repository (the default level). */
  severity: [
    'account', 'region', 'repository', 'images', 'scannedImages', 'unscannedImages', 'critical', 'high', 'medium',
    'low', 'informational', 'undefined',
  ],
  /** severity with level=image. */
  severityImage: [
    'account', 'region', 'repository', 'digest', 'tags', 'kind', 'scanState', 'scanCompletedAt', 'critical', 'high',
    'medium', 'low', 'informational', 'undefined',
  ],
  findings: [
    'name', 'severity', 'packageName', 'packageVersion', 'fixedInVersion', 'uri', 'score', 'status', 'source', 'description',
  ],
  usage: [
    'account', 'region', 'source', 'cluster', 'service', 'task', 'taskDefinition', 'container', 'functionName',
    'qualifier', 'namespace', 'pod', 'list', 'reference', 'digest', 'repository', 'kind', 'at', 'firstSeenAt', 'lastSeenAt',
  ],
  /** cleanup per image (the default level). */
  cleanup: [
    'account', 'region', 'repository', 'digest', 'tags', 'kind', 'pushedAt', 'decision', 'reasons', 'reasonCodes',
    'inUse', 'sizeBytes', 'reclaimableBytes', 'monthlyUsd', 'rule',
  ],
  /** cleanup with level=repository. */
  cleanupRepository: [
    'account', 'region', 'repository', 'status', 'blockedReasons', 'rule', 'images', 'delete', 'keep', 'blocked',
    'inUse', 'reclaimableBytes', 'monthlyUsd',
  ],
  lifecycle: [
    'account', 'region', 'repository', 'digest', 'tags', 'kind', 'pushedAt', 'lastPulledAt', 'action',
    'targetStorageClass', 'storageClass', 'appliedRulePriority', 'via', 'inUse', 'inUseBy', 'sizeBytes',
  ],
} as const;
export type FrameShape = keyof typeof FRAME_FIELDS;
/** The column of a severity's count: its name in lower case. */
export const severityField = <S extends Severity>(severity: S): Lowercase<S> => severity.toLowerCase() as Lowercase<S>;
export type FieldName<S extends FrameShape> = (typeof FRAME_FIELDS)[S][number];

/** The frame a request gets: its query type, and for severity and cleanup the level. */
export function frameShape(queryType: QueryType, level: Level | undefined): FrameShape {
  if (queryType === 'severity') return level === 'image' ? 'severityImage' : 'severity';
  // cleanup is per image unless asked per repository; severity the other way round.
  if (queryType === 'cleanup') return level === 'repository' ? 'cleanupRepository' : 'cleanup';
  return queryType;
}

/** The frame shapes a query type may answer with (severity and cleanup have two levels). */
export type ShapeOf<T extends QueryType> = T extends 'severity' ? 'severity' | 'severityImage' : T extends 'cleanup' ? 'cleanup' | 'cleanupRepository' : T;
/** A column of any frame a query type may answer with: what its `sort.field` may name. */
export type QueryFieldName<T extends QueryType> = { [S in ShapeOf<T>]: FieldName<S> }[ShapeOf<T>];

/** The columns that locate a row in AWS: its registry, region, repository and image, and a finding's advisory. */
export interface FrameLinks<S extends FrameShape> {
  readonly account?: FieldName<S>;
  readonly region?: FieldName<S>;
  readonly repository?: FieldName<S>;
  readonly digest?: FieldName<S>;
  /** The column holding a finding's advisory URL, and the column the link is shown on. */
  readonly advisory?: { readonly url: FieldName<S>; readonly on: FieldName<S> };
}

const REPOSITORY_ROW = { account: 'account', region: 'region', repository: 'repository' } as const;
const IMAGE_ROW = { ...REPOSITORY_ROW, digest: 'digest' } as const;

export const FRAME_LINKS: { readonly [S in FrameShape]: FrameLinks<S> } = {
  repositories: REPOSITORY_ROW,
  images: IMAGE_ROW,
  cost: REPOSITORY_ROW,
  severity: REPOSITORY_ROW,
  severityImage: IMAGE_ROW,
  findings: { advisory: { url: 'uri', on: 'name' } },
  usage: IMAGE_ROW,
  cleanup: IMAGE_ROW,
  cleanupRepository: REPOSITORY_ROW,
  lifecycle: IMAGE_ROW,
};
