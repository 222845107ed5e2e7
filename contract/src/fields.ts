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
    'replicationDestinations', 'crossAccountAccess', 'pullAccounts', 'pushAccounts', 'settingsReadAt', 'incomplete',
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

/** Any column of any frame. */
export type AnyFieldName = { [S in FrameShape]: FieldName<S> }[FrameShape];

/**
 * The title Grafana shows for each column (`config.displayName`); the name stays the machine name that
 * transformations, overrides and `sort.field` use. Complete by type: a new column needs a title.
 */
export const FIELD_TITLES: { readonly [N in AnyFieldName]: string } = {
  account: 'Account',
  region: 'Region',
  repository: 'Repository',
  uri: 'URI',
  createdAt: 'Created',
  tagMutability: 'Tag mutability',
  scanOnPush: 'Scan on push',
  encryptionType: 'Encryption',
  kmsKey: 'KMS key',
  imagesTagged: 'Tagged images',
  imagesUntagged: 'Untagged images',
  imageCount: 'Images',
  summedSizeBytes: 'Size (sum of images)',
  deduplicatedSizeBytes: 'Size (deduplicated)',
  monthlyCostUsd: 'Monthly cost',
  lastPushedAt: 'Last push',
  lastPulledAt: 'Last pull',
  daysSinceLastPull: 'Days since last pull',
  hasLifecyclePolicy: 'Lifecycle policy',
  lifecyclePolicyText: 'Lifecycle policy text',
  replicationDestinations: 'Replicated to',
  crossAccountAccess: 'Cross-account access',
  pullAccounts: 'Accounts that may pull',
  pushAccounts: 'Accounts that may push',
  incomplete: 'Incomplete reads',
  settingsReadAt: 'Policies read',
  digest: 'Digest',
  tags: 'Tags',
  kind: 'Kind',
  pushedAt: 'Pushed',
  sizeBytes: 'Size',
  scanState: 'Scan',
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  informational: 'Informational',
  undefined: 'Undefined severity',
  inUse: 'In use',
  inUseBy: 'Used by',
  lastUsedAt: 'Last used',
  lastUsedBy: 'Last used by',
  imageStatus: 'Status',
  pricePerGbMonth: 'Price per GB-month',
  archivedImageCount: 'Archived images',
  archivedSummedSizeBytes: 'Archived size',
  deduplicatedComplete: 'Deduplication complete',
  imagesWithoutSize: 'Images without size',
  reclaimableBytes: 'Reclaimable',
  reclaimableImages: 'Reclaimable images',
  reclaimableMonthlyUsd: 'Reclaimable per month',
  images: 'Images',
  scannedImages: 'Scanned images',
  unscannedImages: 'Unscanned images',
  scanCompletedAt: 'Scanned',
  name: 'Finding',
  severity: 'Severity',
  packageName: 'Package',
  packageVersion: 'Version',
  fixedInVersion: 'Fixed in',
  score: 'Score',
  status: 'Status',
  source: 'Source',
  description: 'Description',
  cluster: 'Cluster',
  service: 'Service',
  task: 'Task',
  taskDefinition: 'Task definition',
  container: 'Container',
  functionName: 'Function',
  qualifier: 'Qualifier',
  namespace: 'Namespace',
  pod: 'Pod',
  list: 'Keep-list',
  reference: 'Image reference',
  at: 'Seen',
  firstSeenAt: 'First seen',
  lastSeenAt: 'Last seen',
  decision: 'Decision',
  reasons: 'Reasons',
  reasonCodes: 'Reason codes',
  monthlyUsd: 'Monthly cost',
  rule: 'Rule',
  blockedReasons: 'Why blocked',
  delete: 'To delete',
  keep: 'To keep',
  blocked: 'Blocked',
  action: 'Action',
  targetStorageClass: 'Target storage class',
  storageClass: 'Storage class',
  appliedRulePriority: 'Rule priority',
  via: 'Via',
};

/** Columns for machines and drill-downs more than for reading: tables hide them until asked (the fields stay). */
export const TECHNICAL_FIELDS: readonly AnyFieldName[] = [
  'uri',
  'kmsKey',
  'lifecyclePolicyText',
  'reasonCodes',
  'pricePerGbMonth',
  'deduplicatedComplete',
  'imagesWithoutSize',
  'informational',
  'undefined',
  'reference',
  'scanCompletedAt',
];

/**
 * The uids of the dashboards the plugin ships and provisions: the plugin's drill-down links open them (a
 * repository's images on the Overview, an image's findings on Vulnerabilities).
 */
export const DASHBOARD_UIDS = {
  overview: 'ecr-lens-overview',
  cost: 'ecr-lens-cost',
  vulnerabilities: 'ecr-lens-vulnerabilities',
  cleanup: 'ecr-lens-cleanup',
} as const;

/** The ECR Lens app (plugin.json id) and its pages, where Grafana serves them: the dashboards link to them. */
export const APP_ID = 'ecrlens-ecr-app';
export const APP_PAGES = {
  plan: `/a/${APP_ID}/plan`,
  runs: `/a/${APP_ID}/runs`,
  sources: `/a/${APP_ID}/sources`,
} as const;

/** Grafana palette colours of the severities, worst darkest: the plugin's cells and the dashboards' series agree. */
export const SEVERITY_COLOURS: { readonly [S in Severity]: string } = {
  CRITICAL: 'dark-red',
  HIGH: 'red',
  MEDIUM: 'orange',
  LOW: 'yellow',
  INFORMATIONAL: 'blue',
  UNDEFINED: 'text',
};
