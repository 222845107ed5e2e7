import type { Registry } from 'prom-client';
import { runCooperatively, runNow } from '../cooperative.js';
import type { Steps } from '../cooperative.js';
import { repositoryCost } from '../cost/cost.js';
import type { ReclaimableProvider } from '../cost/cost.js';
import type { PriceTable } from '../cost/pricing.js';
import type { Image, Repository, Severity, Snapshot } from '../snapshot/model.js';
import { SEVERITIES } from '../snapshot/model.js';
import type { MetricsConfig } from './config.js';
import { FAMILIES as F } from './families.js';
import { countImageSeriesSteps, imageTagSeries, selectImageSeriesSteps } from './image-series.js';
import type { ImageTagLabels } from './image-series.js';
import type { ExpositionFormat } from './prom.js';
import { newRegistry, seconds, SnapshotGauge } from './prom.js';
import { repositoryStats } from './repository-stats.js';

export interface SnapshotMetricsInput {
  readonly snapshot: Snapshot;
  readonly config: MetricsConfig;
  readonly prices: PriceTable;
  /** What the cleanup plan would free per repository id, when a plan exists. */
  readonly reclaimable?: ReclaimableProvider;
}

export interface ImageSeriesState {
  readonly enabled: boolean;
  readonly series: number;
  /** Series left out: over the cap (the rest are emitted), or all of them when switched off. */
  readonly dropped: number;
  /** The images whose series are emitted; undefined: every image. */
  readonly keep?: ReadonlySet<Image>;
}

/** Which per-image series are emitted: all, unless switched off; over the cap, those selectImageSeries keeps. */
export const imageSeriesState = (snapshot: Snapshot, config: MetricsConfig): ImageSeriesState => runNow(imageSeriesStateSteps(snapshot, config));

function* imageSeriesStateSteps(snapshot: Snapshot, config: MetricsConfig): Steps<ImageSeriesState> {
  if (!config.METRICS_IMAGE_SERIES) {
    const series = yield* countImageSeriesSteps(snapshot);
    return { enabled: false, series, dropped: series };
  }
  const selection = yield* selectImageSeriesSteps(snapshot, config.METRICS_IMAGE_SERIES_CAP);
  const kept = selection.total - selection.dropped;
  return {
    enabled: kept > 0 || selection.total === 0,
    series: selection.total,
    dropped: selection.dropped,
    ...(selection.keep ? { keep: selection.keep } : {}),
  };
}

/** Every family that depends only on the snapshot (and the cleanup plan): built once per snapshot and format. */
export function buildSnapshotRegistry(input: SnapshotMetricsInput, format: ExpositionFormat): Registry {
  return runNow(snapshotRegistrySteps(input, format));
}

/** buildSnapshotRegistry, giving the event loop a turn between repositories. */
export function buildSnapshotRegistryCooperatively(input: SnapshotMetricsInput, format: ExpositionFormat): Promise<Registry> {
  return runCooperatively(snapshotRegistrySteps(input, format));
}

function* snapshotRegistrySteps(input: SnapshotMetricsInput, format: ExpositionFormat): Steps<Registry> {
  const { snapshot, config } = input;
  const registry = newRegistry(format);
  const gauge = (spec: (typeof F)[keyof typeof F]) => new SnapshotGauge(registry, spec, format);
  const families = repositoryFamilies(gauge, config.METRICS_COMPAT_GO, input.reclaimable !== undefined);

  families.repositoriesTotal?.set(snapshot.repositories.length);
  families.quota.set(config.METRICS_IMAGES_PER_REPOSITORY_QUOTA);
  const perRegistry = new Map<string, number>();
  for (const repository of snapshot.repositories) {
    perRegistry.set(repository.accountId, (perRegistry.get(repository.accountId) ?? 0) + 1);
    setRepositorySeries(families, input, repository);
    yield;
  }
  for (const [registryId, count] of perRegistry) families.repositoryCount.set({ registry_id: registryId }, count);

  const state = yield* imageSeriesStateSteps(snapshot, config);
  gauge(F.imageSeriesEnabled).set(state.enabled ? 1 : 0);
  gauge(F.imageSeries).set(state.series);
  gauge(F.imageSeriesCap).set(config.METRICS_IMAGE_SERIES_CAP);
  gauge(F.imageSeriesDropped).set(state.dropped);
  if (state.enabled) yield* addImageFamilies(registry, snapshot, format, state.keep);
  return registry;
}

/** The families with a series per repository, registered in the order they are exposed. */
function repositoryFamilies(gauge: (spec: (typeof F)[keyof typeof F]) => SnapshotGauge, compatGo: boolean, reclaimable: boolean) {
  return {
    // Go exporter set.
    repositoriesTotal: compatGo ? gauge(F.ecrRepositoriesTotal) : undefined,
    imagesTotal: compatGo ? gauge(F.ecrImagesTotal) : undefined,
    sizeMax: gauge(F.ecrImageSizeMax),
    sizeMin: gauge(F.ecrImageSizeMin),
    sizeAvg: gauge(F.ecrImageSizeAvg),
    latestPush: gauge(F.ecrLatestPush),
    latestPull: gauge(F.ecrLatestPull),
    // Python exporter set, per repository.
    repositoryCount: gauge(F.awsRepositoryCount),
    repositoryInfo: gauge(F.awsRepositoryInfo),
    // Ours, per repository.
    images: gauge(F.repoImages),
    size: gauge(F.repoSize),
    dedupSize: gauge(F.repoDedupSize),
    withoutLayers: gauge(F.repoWithoutLayers),
    cost: gauge(F.repoCost),
    findings: gauge(F.repoFindings),
    scanState: gauge(F.repoScanState),
    unscanned: gauge(F.repoUnscanned),
    criticalInUse: gauge(F.repoCriticalInUse),
    lastUsed: gauge(F.repoLastUsed),
    reclaimBytes: reclaimable ? gauge(F.repoReclaimableBytes) : undefined,
    reclaimImages: reclaimable ? gauge(F.repoReclaimableImages) : undefined,
    quotaRatio: gauge(F.repoQuotaRatio),
    quota: gauge(F.imagesQuota),
    threshold: gauge(F.repoStorageThreshold),
    incomplete: gauge(F.repoIncomplete),
    settingsRead: gauge(F.repoSettingsRead),
  };
}
type RepositoryFamilies = ReturnType<typeof repositoryFamilies>;

/** One repository's series in every family. */
function setRepositorySeries(f: RepositoryFamilies, input: SnapshotMetricsInput, repository: Repository): void {
  const { snapshot, config, prices, reclaimable } = input;
  const stats = repositoryStats(snapshot, repository);
  const go = { repository_name: repository.name, repository_uri: repository.uri };
  const repo = { registry_id: repository.accountId, region: repository.region, repository_name: repository.name };
  f.repositoryInfo.set(
    {
      name: repository.name,
      registry_id: repository.accountId,
      repository_uri: repository.uri,
      tag_mutability: repository.tagMutability,
      scan_on_push: String(repository.scanOnPush),
      encryption_type: repository.encryptionType,
    },
    1,
  );
  if (stats.storageThresholdBytes !== undefined) f.threshold.set(repo, stats.storageThresholdBytes);
  if (stats.incompleteEntries > 0) f.incomplete.set(repo, stats.incompleteEntries);
  if (repository.settingsReadAt !== undefined) f.settingsRead.set(repo, seconds(repository.settingsReadAt));
  // A repository whose images could not be read gets no image series rather than zeros.
  if (!stats.imagesKnown) return;

  f.imagesTotal?.set(go, stats.imageCount);
  if (stats.sizeMaxBytes !== undefined) f.sizeMax.set(go, stats.sizeMaxBytes);
  if (stats.sizeMinBytes !== undefined) f.sizeMin.set(go, stats.sizeMinBytes);
  if (stats.sizeAvgBytes !== undefined) f.sizeAvg.set(go, stats.sizeAvgBytes);
  if (stats.latestPushAt !== undefined) f.latestPush.set(go, Math.floor(seconds(stats.latestPushAt)));
  if (stats.latestPullAt !== undefined) f.latestPull.set(go, Math.floor(seconds(stats.latestPullAt)));

  // Label sets are copied with Object.assign, not spread: on Node 20 each `{ ...labels }` copy got a hidden class of its
  // own, and the registry at the default series cap held 65 MiB of heap instead of 38 (bench/metrics.ts). Sets of more
  // than four labels are literals: a copy into `{}` keeps the fields past the fourth in a second array.
  for (const { kind, tagged, count } of stats.byKind)
    f.images.set({ registry_id: repo.registry_id, region: repo.region, repository_name: repo.repository_name, kind, tagged: String(tagged) }, count);
  const repoCost = repositoryCost(snapshot, repository.id, prices);
  f.size.set(repo, repoCost.summedSizeBytes);
  f.dedupSize.set(repo, repoCost.deduplicatedSizeBytes);
  if (repoCost.imagesWithoutLayers > 0) f.withoutLayers.set(repo, repoCost.imagesWithoutLayers);
  f.cost.set(repo, repoCost.monthlyCostUsd);
  for (const severity of SEVERITIES) f.findings.set(Object.assign({}, repo, { severity }), stats.findings[severity]);
  for (const [state, count] of Object.entries(stats.byScanState))
    if (count > 0) f.scanState.set(Object.assign({}, repo, { scan_state: state }), count);
  f.unscanned.set(repo, stats.unscannedImages);
  f.criticalInUse.set(repo, stats.criticalImagesInUse);
  if (stats.lastUsedAt !== undefined) f.lastUsed.set(repo, seconds(stats.lastUsedAt));
  f.quotaRatio.set(repo, stats.imageCount / config.METRICS_IMAGES_PER_REPOSITORY_QUOTA);
  const freed = reclaimable?.(repository.id);
  if (freed) {
    f.reclaimBytes?.set(repo, freed.bytes);
    f.reclaimImages?.set(repo, freed.images);
  }
}

const withSeverity = (l: ImageTagLabels, severity: Severity) =>
  ({ name: l.name, tag: l.tag, digest: l.digest, registry_id: l.registry_id, image: l.image, severity });

function* addImageFamilies(
  registry: Registry,
  snapshot: Snapshot,
  format: ExpositionFormat,
  keep: ReadonlySet<Image> | undefined,
): Steps<void> {
  const size = new SnapshotGauge(registry, F.awsImageSize, format);
  const pushedAt = new SnapshotGauge(registry, F.awsImagePushedAt, format);
  const severity = new SnapshotGauge(registry, F.awsImageScanSeverity, format);
  const completedAt = new SnapshotGauge(registry, F.awsImageScanCompletedAt, format);
  const lastUsed = new SnapshotGauge(registry, F.imageLastUsed, format);
  for (const series of imageTagSeries(snapshot, keep)) {
    const { labels } = series;
    // No sample for a size ECR did not report: absent, not 0.
    if (series.image.sizeBytes !== undefined) size.set(labels, series.image.sizeBytes);
    pushedAt.set(labels, seconds(series.image.pushedAt));
    for (const [name, count] of series.severities) severity.set(withSeverity(labels, name), count);
    if (series.scanCompletedAt !== undefined) completedAt.set(labels, seconds(series.scanCompletedAt));
    if (series.lastUsedAt !== undefined) lastUsed.set(labels, seconds(series.lastUsedAt));
    yield;
  }
}
