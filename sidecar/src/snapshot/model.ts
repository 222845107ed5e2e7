/**
 * The immutable inventory model. It imports only the wire contract's vocabularies: AWS fetchers produce it, and the pure
 * functions (query, cost, cleanup, metrics, reports) read it. Times are epoch milliseconds.
 */

// The vocabularies the model shares with the wire are the contract's, defined once.
export { IMAGE_KINDS, SCAN_STATES, SEVERITIES, USE_KINDS } from '@ecr-lens/contract';
import type { ImageKind, ScanState, Severity, UseKind } from '@ecr-lens/contract';
import type { BlobKey, BlobList } from './blob-key.js';
export type { ImageKind, ScanState, Severity, UseKind };
export type SeverityCounts = Readonly<Record<Severity, number>>;


export type ImageStatus = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';

export interface RepositoryFilter {
  readonly filter: string;
  readonly filterType: string;
}

export interface ReplicationDestination {
  readonly region: string;
  readonly registryId: string;
}

export interface ReplicationRule {
  readonly destinations: readonly ReplicationDestination[];
  readonly repositoryFilters: readonly RepositoryFilter[];
}

export interface ScanningRule {
  readonly scanFrequency: string;
  readonly repositoryFilters: readonly RepositoryFilter[];
}

/** One registry: one AWS account in one region. */
export interface Registry {
  readonly accountId: string;
  readonly region: string;
  readonly replicationRules: readonly ReplicationRule[];
  readonly scanType: 'BASIC' | 'ENHANCED';
  readonly scanningRules: readonly ScanningRule[];
}

/** Who may pull or push, read from the repository policy. `*` stands for any principal. */
export interface RepositoryPolicySummary {
  readonly present: boolean;
  readonly pullAccounts: readonly string[];
  readonly pushAccounts: readonly string[];
  /** True when an account other than the owner (or `*`) may pull or push. */
  readonly crossAccount: boolean;
}

export interface Repository {
  /** `${accountId}/${region}/${name}`: unique across registries. */
  readonly id: string;
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly arn: string;
  readonly uri: string;
  readonly createdAt: number;
  readonly tagMutability: string;
  readonly scanOnPush: boolean;
  readonly encryptionType: string;
  readonly kmsKey?: string;
  /** Absent when the repository has no lifecycle policy. */
  readonly lifecyclePolicyText?: string;
  readonly policy: RepositoryPolicySummary;
  /** Destinations of the registry's replication rules whose filters match this repository. */
  readonly replicationDestinations: readonly ReplicationDestination[];
  readonly tags: Readonly<Record<string, string>>;
  /** When the lifecycle policy, repository policy and tags were last read whole (epoch ms); absent after a failed read. */
  readonly settingsReadAt?: number;
}

export interface ScanResult {
  readonly state: ScanState;
  /** ECR's raw status (COMPLETE, ACTIVE, FINDINGS_UNAVAILABLE, ...), when ECR gave one. */
  readonly status?: string;
  readonly description?: string;
  readonly scanType?: 'BASIC' | 'ENHANCED';
  readonly completedAt?: number;
  readonly vulnerabilitySourceUpdatedAt?: number;
  /** Present only when the counts are known. */
  readonly counts?: SeverityCounts;
}

export interface Image {
  readonly repositoryId: string;
  readonly digest: string;
  /** Empty for untagged images. */
  readonly tags: readonly string[];
  readonly kind: ImageKind;
  readonly manifestMediaType?: string;
  readonly artifactMediaType?: string;
  /** 0 when DescribeImages did not report imagePushedAt (then `pushedAtUnknown`). */
  readonly pushedAt: number;
  /** DescribeImages left out imagePushedAt: the image's age is unknown, so no age rule may delete it. */
  readonly pushedAtUnknown?: true;
  /** Absent when never pulled. */
  readonly lastPulledAt?: number;
  /**
   * ECR's imageSizeInBytes: compressed size; an index reports its largest child. Absent when DescribeImages
   * did not report it: unknown, never 0.
   */
  readonly sizeBytes?: number;
  readonly status: ImageStatus;
  readonly lastArchivedAt?: number;
  readonly lastActivatedAt?: number;
  /** For referrers (signatures, SBOMs, SOCI indexes): the manifest they describe. */
  readonly subjectDigest?: string;
  /** For an index: the digests of the manifests it lists. */
  readonly children: readonly string[];
  /** Layer and config blobs, from the manifest, as one list of blob keys (blob-key.ts). Absent when the manifest could not be read. */
  readonly layers?: BlobList;
  readonly scan: ScanResult;
}

export interface Finding {
  readonly name: string;
  readonly severity: Severity;
  readonly description?: string;
  readonly uri?: string;
  readonly packageName?: string;
  readonly packageVersion?: string;
  readonly fixedInVersion?: string;
  readonly score?: number;
  readonly status?: string;
  readonly source: 'basic' | 'enhanced';
}

export interface Cluster {
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly arn: string;
}

/** The runtimes ECR Lens reads uses from. */
export const USE_SOURCES = ['ecs', 'lambda', 'kubernetes', 'keep-list'] as const;
export type UseSource = (typeof USE_SOURCES)[number];


/** The source each kind of use comes from. */
export const USE_KIND_SOURCE: Readonly<Record<UseKind, UseSource>> = {
  'running-task': 'ecs',
  'stopped-task': 'ecs',
  service: 'ecs',
  'task-definition': 'ecs',
  'lambda-function': 'lambda',
  pod: 'kubernetes',
  'keep-list': 'keep-list',
};

/** One place where a runtime references an image. */
export interface ImageUse {
  readonly kind: UseKind;
  /** Where the user runs: the ECS or Lambda account and region. For pods and keep lists, the registry the reference names. */
  readonly accountId: string;
  readonly region: string;
  /** ECS cluster, or the Kubernetes cluster label when Prometheus has one. */
  readonly cluster?: string;
  readonly service?: string;
  readonly task?: string;
  /** `family:revision`. */
  readonly taskDefinition?: string;
  readonly container?: string;
  /** Lambda function name. */
  readonly functionName?: string;
  /** Lambda version (`$LATEST`, `7`) or alias (`prod`) that references the image. */
  readonly qualifier?: string;
  /** Kubernetes namespace and pod. */
  readonly namespace?: string;
  readonly pod?: string;
  /** The keep list's file path or URL, credentials removed. */
  readonly list?: string;
  /** The image reference as written (`uri:tag`, `uri@sha256:...`, or `uri`, which means `uri:latest`). */
  readonly reference: string;
  /** The digest the runtime resolved or the reference pins. */
  readonly digest?: string;
  /** When a task started or stopped, or a deployment was created. */
  readonly at?: number;
  /**
   * Set only on uses recalled from the usage ledger: when the use was first and last seen (epoch ms).
   * Uses seen by the current read have neither.
   */
  readonly firstSeenAt?: number;
  readonly lastSeenAt?: number;
}

export type IncompleteScope =
  | 'registry'
  | 'repositories'
  | 'repository'
  | 'images'
  | 'manifests'
  | 'scan'
  | 'ecs'
  | 'cluster'
  | 'lambda'
  | 'kubernetes'
  | 'keep-list'
  | 'ledger';

/** Scopes that concern in-use sources, not the inventory: they block every plan. */
export const USE_SCOPES: ReadonlySet<IncompleteScope> = new Set(['ecs', 'cluster', 'lambda', 'kubernetes', 'keep-list', 'ledger']);

/** Something a refresh could not read. Never shown as empty data: consumers must say it is incomplete. */
export interface Incomplete {
  readonly scope: IncompleteScope;
  /** Empty for a source that is not read per registry (Kubernetes, keep lists). */
  readonly accountId: string;
  readonly region: string;
  /** The repository or cluster name, when the failure is confined to one; the list or server for a source. */
  readonly target?: string;
  readonly operation: string;
  readonly error: string;
}

/** One in-use source a refresh read: per registry (ECS, Lambda in an account and region) or for every registry. */
export interface SourceCoverage {
  readonly source: UseSource;
  /** Absent for a source that covers every registry (Kubernetes, keep lists). */
  readonly accountId?: string;
  readonly region?: string;
  /** What was read, without credentials: `ECS`, a Prometheus URL, a keep list's path. */
  readonly description: string;
  /** When it was read (epoch ms). */
  readonly readAt: number;
  /** What the source said about its read without failing (lines of a keep list it ignored, an empty list). */
  readonly notices?: readonly string[];
  /**
   * ECS: since when the usage ledger has seen this registry's ECS read with no gap longer than ECS lists a
   * stopped task. Uses that came and went before then were not seen. Absent without a ledger.
   */
  readonly watchedSince?: number;
}

/** What a refresh gathered, before indexing. */
export interface SnapshotInput {
  readonly version: number;
  readonly refreshStartedAt: number;
  readonly builtAt: number;
  readonly registries: readonly Registry[];
  readonly repositories: readonly Repository[];
  readonly images: readonly Image[];
  /** Size of every known layer and config blob, by blob key (blob-key.ts). Content-addressed, so global. */
  readonly layerSizes: ReadonlyMap<BlobKey, number>;
  /** Scan findings by image digest, where they were fetched. */
  readonly findings: ReadonlyMap<string, readonly Finding[]>;
  readonly clusters: readonly Cluster[];
  /** Uses the current read saw. */
  readonly uses: readonly ImageUse[];
  readonly incomplete: readonly Incomplete[];
  /**
   * The in-use sources read. Absent only in snapshots made by hand (tests); a refresh always sets it, and
   * a registry that no source covers is then blind: its plan is blocked.
   */
  readonly sources?: readonly SourceCoverage[];
  /**
   * Uses recalled from the usage ledger that the current read did not see (lastSeenAt set), matched by
   * digest. They count for cleanup while inside their window; queries show them as last use, not as use now.
   */
  readonly remembered?: readonly ImageUse[];
}

export interface Snapshot extends SnapshotInput {
  readonly repositoryById: ReadonlyMap<string, Repository>;
  /** Each repository's images, newest push first. Every repository has an entry. */
  readonly imagesByRepository: ReadonlyMap<string, readonly Image[]>;
  /** Uses per image, keyed by `imageKey(image)`. */
  readonly usesByImage: ReadonlyMap<string, readonly ImageUse[]>;
  /** Remembered uses per image, keyed by `imageKey(image)`; empty when there are none. */
  readonly rememberedByImage: ReadonlyMap<string, readonly ImageUse[]>;
  /** Incomplete entries that concern each repository (its own, plus its registry's). */
  readonly incompleteByRepository: ReadonlyMap<string, readonly Incomplete[]>;
}

export const registryKey = (accountId: string, region: string): string => `${accountId}/${region}`;
export const repositoryId = (accountId: string, region: string, name: string): string =>
  `${accountId}/${region}/${name}`;
/** The six counts as one string: equal counts, equal keys (for sharing count sets). */
export const severityCountsKey = (c: SeverityCounts): string => `${c.CRITICAL},${c.HIGH},${c.MEDIUM},${c.LOW},${c.INFORMATIONAL},${c.UNDEFINED}`;
export const imageKey = (image: Pick<Image, 'repositoryId' | 'digest'>): string =>
  `${image.repositoryId}@${image.digest}`;

/**
 * What identifies a use in the usage ledger, not when it was seen: its kind, the workload (cluster, service,
 * task definition, function and qualifier, namespace, container, list) and the reference as written. Task ids and
 * pod names are left out: a service's tasks and a deployment's pods come and go, and one entry per workload keeps
 * the ledger the size of the workloads, not of their churn (the latest task or pod is kept as an example).
 */
export const useIdentity = (u: ImageUse): string =>
  [u.kind, u.accountId, u.region, u.cluster, u.service, u.taskDefinition, u.container, u.functionName, u.qualifier, u.namespace, u.list, u.reference]
    .map((v) => v ?? '')
    .join('|');
