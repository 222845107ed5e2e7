/**
 * Every metric family /metrics can expose: the catalog that the builders, the tests and docs/metrics.md
 * agree on. `untyped` families keep a name whose suffix promtool reserves for other types (see docs).
 */

export type FamilyType = 'gauge' | 'counter' | 'histogram' | 'untyped';
export type FamilyGroup = 'go' | 'python' | 'repository' | 'image' | 'image-series' | 'inventory' | 'aws' | 'cleanup';

export interface FamilySpec {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly group: FamilyGroup;
}

const GO_REPO = ['repository_name', 'repository_uri'] as const;
const PY_IMAGE = ['name', 'tag', 'digest', 'registry_id', 'image'] as const;
const REPO = ['registry_id', 'region', 'repository_name'] as const;
const API = ['service', 'operation'] as const;

const f = (
  group: FamilyGroup,
  name: string,
  type: FamilyType,
  help: string,
  labelNames: readonly string[] = [],
): FamilySpec => ({
  name,
  type,
  help,
  labelNames,
  group,
});

export const FAMILIES = {
  // The Go exporter (mahesh1b/ecr-exporter): same names and labels.
  ecrRepositoriesTotal: f('go', 'ecr_repositories_total', 'gauge', 'Total number of ECR repositories'),
  ecrImagesTotal: f('go', 'ecr_images_total', 'gauge', 'Number of images in ECR repository', GO_REPO),
  ecrImageSizeMax: f('go', 'ecr_image_size_max_bytes', 'gauge', 'Maximum image size in repository (bytes)', GO_REPO),
  ecrImageSizeMin: f('go', 'ecr_image_size_min_bytes', 'gauge', 'Minimum image size in repository (bytes)', GO_REPO),
  ecrImageSizeAvg: f('go', 'ecr_image_size_avg_bytes', 'gauge', 'Average image size in repository (bytes)', GO_REPO),
  ecrLatestPush: f('go', 'ecr_latest_push_timestamp', 'gauge', 'Timestamp of latest image push', GO_REPO),
  ecrLatestPull: f('go', 'ecr_latest_pull_timestamp', 'gauge', 'Timestamp of latest image pull', GO_REPO),
  ecrScrapeErrors: f(
    'go',
    'ecr_scrape_errors_total',
    'counter',
    'Total number of failed inventory refreshes since start',
  ),
  ecrScrapeDuration: f('go', 'ecr_scrape_duration_seconds', 'gauge', 'Duration of the last inventory refresh'),

  // The Python exporter (aws-exporters/ecr): same names and label names.
  awsRepositoryCount: f('python', 'aws_ecr_repository_count', 'untyped', 'Total count of all ECR repositories', [
    'registry_id',
  ]),
  awsRepositoryInfo: f('python', 'aws_ecr_repository_info', 'gauge', 'ECR repository information', [
    'name',
    'registry_id',
    'repository_uri',
    'tag_mutability',
    'scan_on_push',
    'encryption_type',
  ]),
  awsImageSize: f('python', 'aws_ecr_image_size_in_bytes', 'gauge', 'The size of an image in bytes', PY_IMAGE),
  awsImagePushedAt: f(
    'python',
    'aws_ecr_image_pushed_at_timestamp_seconds',
    'gauge',
    'The unix timestamp that this image was pushed at',
    PY_IMAGE,
  ),
  awsImageScanSeverity: f('python', 'aws_ecr_image_scan_severity_count', 'untyped', 'ECR image scan summary results', [
    ...PY_IMAGE,
    'severity',
  ]),
  awsImageScanCompletedAt: f(
    'python',
    'aws_ecr_image_scan_completed_at_timestamp_seconds',
    'gauge',
    'The unix timestamp when the scan was completed',
    PY_IMAGE,
  ),

  // Ours, per repository.
  repoImages: f(
    'repository',
    'ecrlens_repository_images',
    'gauge',
    'Images in the repository by kind and tagged state (non-zero combinations only)',
    [...REPO, 'kind', 'tagged'],
  ),
  repoSize: f(
    'repository',
    'ecrlens_repository_size_bytes',
    'gauge',
    'Sum of imageSizeInBytes over the repository images whose size ECR reported (indexes excluded); an upper bound',
    REPO,
  ),
  repoDedupSize: f(
    'repository',
    'ecrlens_repository_deduplicated_size_bytes',
    'gauge',
    'Each unique layer of the repository counted once, as ECR bills',
    REPO,
  ),
  repoWithoutLayers: f(
    'repository',
    'ecrlens_repository_images_without_layers',
    'gauge',
    'Images whose layers are unknown, counted at imageSizeInBytes (when reported) in the deduplicated size (only when > 0)',
    REPO,
  ),
  repoCost: f(
    'repository',
    'ecrlens_repository_monthly_cost_usd',
    'gauge',
    'Monthly storage cost: deduplicated GiB times the region price per GB-month',
    REPO,
  ),
  repoFindings: f(
    'repository',
    'ecrlens_repository_vulnerability_findings',
    'gauge',
    'Scan findings summed over the images whose counts are known',
    [...REPO, 'severity'],
  ),
  repoScanState: f(
    'repository',
    'ecrlens_repository_images_by_scan_state',
    'gauge',
    'Images by scan state (non-zero states only)',
    [...REPO, 'scan_state'],
  ),
  repoUnscanned: f(
    'repository',
    'ecrlens_repository_images_unscanned',
    'gauge',
    'Single-platform images whose finding counts are unknown (indexes, attestations and other artifacts are not scannable)',
    REPO,
  ),
  repoCriticalInUse: f(
    'repository',
    'ecrlens_repository_critical_images_in_use',
    'gauge',
    'Images with CRITICAL findings used now by a running ECS task or service, a Lambda function or a pod',
    REPO,
  ),
  repoLastUsed: f(
    'repository',
    'ecrlens_repository_last_used_timestamp_seconds',
    'gauge',
    'Most recent use of any image of the repository, seen now or remembered by the usage ledger',
    REPO,
  ),
  repoReclaimableBytes: f(
    'repository',
    'ecrlens_repository_reclaimable_bytes',
    'gauge',
    'Deduplicated bytes the cleanup plan would free',
    REPO,
  ),
  repoReclaimableImages: f(
    'repository',
    'ecrlens_repository_reclaimable_images',
    'gauge',
    'Images the cleanup plan would delete',
    REPO,
  ),
  repoQuotaRatio: f(
    'repository',
    'ecrlens_repository_images_quota_ratio',
    'gauge',
    'Images in the repository divided by the images-per-repository quota',
    REPO,
  ),
  imagesQuota: f(
    'repository',
    'ecrlens_images_per_repository_quota',
    'gauge',
    'The images-per-repository quota the ratio uses',
  ),
  repoStorageThreshold: f(
    'repository',
    'ecrlens_repository_storage_threshold_bytes',
    'gauge',
    'Storage alert threshold from the repository tag ecrlens:storage-threshold-bytes',
    REPO,
  ),
  repoSettingsRead: f(
    'repository',
    'ecrlens_repository_settings_read_timestamp_seconds',
    'gauge',
    'When the lifecycle policy, repository policy and tags were last read whole (POLICY_REFRESH_INTERVAL)',
    REPO,
  ),
  repoIncomplete: f(
    'repository',
    'ecrlens_repository_incomplete',
    'gauge',
    'Things the last refresh could not read for this repository (only when > 0)',
    REPO,
  ),

  // Ours, per tag of a tagged image: under the per-image switch and cap, with the Python exporter's image labels.
  imageLastUsed: f(
    'image',
    'ecrlens_image_last_used_timestamp_seconds',
    'gauge',
    'Most recent use of the image (directly or through an index), seen now or remembered by the usage ledger',
    PY_IMAGE,
  ),

  // Per-image cardinality guard.
  imageSeriesEnabled: f(
    'image-series',
    'ecrlens_image_series_enabled',
    'gauge',
    '1 when the per-image families are emitted (over the cap, in part), 0 when switched off',
  ),
  imageSeries: f(
    'image-series',
    'ecrlens_image_series',
    'gauge',
    'Series the per-image families have (or would have, when off)',
  ),
  imageSeriesCap: f(
    'image-series',
    'ecrlens_image_series_cap',
    'gauge',
    'The cap on per-image series (METRICS_IMAGE_SERIES_CAP)',
  ),
  imageSeriesDropped: f(
    'image-series',
    'ecrlens_image_series_dropped',
    'gauge',
    'Per-image series left out: over the cap (images in use and each repository newest tags are kept first), or all when switched off',
  ),

  // The inventory itself.
  lastSuccess: f(
    'inventory',
    'ecrlens_inventory_last_success_timestamp_seconds',
    'gauge',
    'When the last successful refresh ended',
  ),
  lastAttempt: f(
    'inventory',
    'ecrlens_inventory_last_attempt_timestamp_seconds',
    'gauge',
    'When the last refresh attempt started',
  ),
  refreshDuration: f(
    'inventory',
    'ecrlens_inventory_refresh_duration_seconds',
    'histogram',
    'Durations of the refreshes seen by this process',
  ),
  refreshInterval: f(
    'inventory',
    'ecrlens_inventory_refresh_interval_seconds',
    'gauge',
    'The background refresh interval (CACHE_REFRESH_INTERVAL)',
  ),
  stale: f(
    'inventory',
    'ecrlens_inventory_stale',
    'gauge',
    '1 when the last refresh failed or the snapshot is older than twice the refresh interval',
  ),
  ready: f('inventory', 'ecrlens_inventory_ready', 'gauge', '1 once the first snapshot is loaded'),
  refreshing: f('inventory', 'ecrlens_inventory_refreshing', 'gauge', '1 while a refresh runs'),
  consecutiveFailures: f(
    'inventory',
    'ecrlens_inventory_consecutive_failures',
    'gauge',
    'Refreshes that failed in a row',
  ),
  incomplete: f(
    'inventory',
    'ecrlens_inventory_incomplete',
    'gauge',
    'What the current snapshot could not read, by scope',
    ['scope'],
  ),
  snapshotVersion: f(
    'inventory',
    'ecrlens_inventory_snapshot_version',
    'gauge',
    'Version of the snapshot this exposition describes (just after a refresh, the one before while the new one is made)',
  ),

  // The events consumer (ECRLENS_EVENTS_QUEUE_URL); absent without one.
  eventsReceived: f('inventory', 'ecrlens_events_received_total', 'counter', 'Messages received from the events queue'),
  eventsApplied: f('inventory', 'ecrlens_events_applied_total', 'counter', 'Events applied by targeted refreshes, by kind', ['kind']),
  eventsIgnored: f('inventory', 'ecrlens_events_ignored_total', 'counter', 'Messages ignored: malformed, unknown-event, or not-watched (a registry this sidecar does not read)', ['reason']),
  targetedRefreshes: f('inventory', 'ecrlens_events_targeted_refreshes_total', 'counter', 'Targeted refreshes (one per round of up to 100 messages)'),
  eventLag: f('inventory', 'ecrlens_events_lag_seconds', 'gauge', "From the newest applied event's time to its snapshot being served"),
  eventsLastApplied: f('inventory', 'ecrlens_events_last_applied_timestamp_seconds', 'gauge', 'When the last batch of events was applied'),
  eventsErrors: f('inventory', 'ecrlens_events_consecutive_errors', 'gauge', 'Rounds of the events consumer that failed in a row'),

  // AWS API calls (monotonic, from the SDK middleware's stats).
  apiCalls: f('aws', 'ecrlens_aws_api_calls_total', 'counter', 'AWS API calls by operation', API),
  apiErrors: f('aws', 'ecrlens_aws_api_errors_total', 'counter', 'AWS API calls that failed, by operation', API),
  apiThrottles: f('aws', 'ecrlens_aws_api_throttles_total', 'counter', 'AWS API calls throttled, by operation', API),
  awsConcurrency: f('aws', 'ecrlens_aws_concurrency', 'gauge', "AWS requests allowed in flight per registry: the adaptive limit, between 1 and AWS_CONCURRENCY_MAX", ['registry_id', 'region']),

  // Cleanup execution (monotonic, from the cleanup executor).
  cleanupExecutions: f('cleanup', 'ecrlens_cleanup_executions_total', 'counter', 'Cleanup executions by outcome', [
    'outcome',
  ]),
  cleanupDeletedImages: f(
    'cleanup',
    'ecrlens_cleanup_deleted_images_total',
    'counter',
    'Images deleted by cleanup executions',
  ),
  cleanupDeletedBytes: f(
    'cleanup',
    'ecrlens_cleanup_deleted_bytes_total',
    'counter',
    'Bytes (imageSizeInBytes) deleted by cleanup executions',
  ),
} as const satisfies Record<string, FamilySpec>;

export type FamilyKey = keyof typeof FAMILIES;
export const ALL_FAMILIES: readonly FamilySpec[] = Object.values(FAMILIES);
