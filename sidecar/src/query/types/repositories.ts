import { QUERY_FILTERS, type FieldName } from '@ecr-lens/contract';
import { repositoryCost } from '../../cost/cost.js';
import type { PriceTable } from '../../cost/pricing.js';
import type { Repository, Snapshot } from '../../snapshot/model.js';
import type { FrameBuilder } from '../builder.js';
import type { QueryContext } from '../context.js';
import { DESCRIBE } from '../descriptions.js';
import { DAY_MS, daysSince } from '../filters.js';
import type { RepositoryColumn } from '../columnar/repository-table.js';
import { keptRepositories, repositoryNotices, repositoryPage } from '../columnar/repository-table.js';
import type { QueryRequest } from '../request.js';
import { repositoryStats } from '../columnar/stats.js';
import type { Column } from '../table.js';
import { DAYS, pagedFrame } from '../table.js';
import { derivedOf, slot } from '../../snapshot/derived.js';

export interface RepositoryRow {
  readonly repository: Repository;
  readonly imageCount: number;
  readonly imagesTagged: number;
  readonly imagesUntagged: number;
  readonly summed: number;
  readonly deduplicated: number;
  readonly cost: number;
  readonly lastPushedAt: number | null;
  readonly lastPulledAt: number | null;
  readonly incomplete: boolean;
}

const list = (values: readonly string[]): string | null => (values.length > 0 ? values.join(', ') : null);

/** The columns; daysSinceLastPull reads the clock, so they are made per query. */
export function repositoryColumns(snapshot: Snapshot, prices: PriceTable, now: number): readonly RepositoryColumn[] {
  const all = repositoryRows(snapshot, prices);
  const f = repositoryFacts(snapshot, prices);
  const at = (r: number) => all[r]!;
  const days = (r: number): number => (Number.isNaN(f.lastPulledAt[r]!) ? NaN : Math.max(0, Math.floor((now - f.lastPulledAt[r]!) / DAY_MS)));
  const columns: readonly Column<RepositoryRow, FieldName<'repositories'>>[] = [
  { name: 'account', type: 'string', description: DESCRIBE.account, value: (r) => r.repository.accountId },
  { name: 'region', type: 'string', description: DESCRIBE.region, value: (r) => r.repository.region },
  { name: 'repository', type: 'string', description: DESCRIBE.repository, value: (r) => r.repository.name },
  { name: 'uri', type: 'string', description: 'Repository URI, for docker pull.', value: (r) => r.repository.uri },
  { name: 'createdAt', type: 'time', description: 'When the repository was created.', value: (r) => r.repository.createdAt },
  { name: 'tagMutability', type: 'string', description: 'MUTABLE or IMMUTABLE (and their exclusion variants).', value: (r) => r.repository.tagMutability },
  { name: 'scanOnPush', type: 'boolean', description: 'Whether basic scan on push is enabled.', value: (r) => r.repository.scanOnPush },
  { name: 'encryptionType', type: 'string', description: 'AES256 or KMS (KMS_DSSE).', value: (r) => r.repository.encryptionType },
  { name: 'kmsKey', type: 'string', description: 'KMS key ARN, for KMS encryption; null otherwise.', value: (r) => r.repository.kmsKey ?? null },
  { name: 'imagesTagged', type: 'number', description: 'Manifests with at least one tag.', value: (r) => r.imagesTagged },
  {
    name: 'imagesUntagged',
    type: 'number',
    description: 'Untagged manifests that no index lists and that are not signatures or attestations: the dangling images untagged lifecycle rules target.',
    value: (r) => r.imagesUntagged,
  },
  { name: 'imageCount', type: 'number', description: 'All manifests ECR lists: images, indexes, their children and attestations, archived ones included.', value: (r) => r.imageCount },
  { name: 'summedSizeBytes', type: 'number', unit: 'bytes', description: DESCRIBE.summedSizeBytes, value: (r) => r.summed },
  { name: 'deduplicatedSizeBytes', type: 'number', unit: 'bytes', description: DESCRIBE.deduplicatedSizeBytes, value: (r) => r.deduplicated },
  { name: 'monthlyCostUsd', type: 'number', unit: 'currencyUSD', decimals: 2, description: DESCRIBE.monthlyCostUsd, value: (r) => r.cost },
  { name: 'lastPushedAt', type: 'time', description: 'Newest image push; null for an empty repository.', value: (r) => r.lastPushedAt },
  { name: 'lastPulledAt', type: 'time', description: DESCRIBE.lastPulledAt, value: (r) => r.lastPulledAt },
  { name: 'daysSinceLastPull', type: 'number', unit: DAYS, description: DESCRIBE.daysSinceLastPull, value: (r) => daysSince(now, r.lastPulledAt ?? undefined) },
  { name: 'hasLifecyclePolicy', type: 'boolean', description: 'Whether a lifecycle policy is set.', value: (r) => r.repository.lifecyclePolicyText !== undefined },
  { name: 'lifecyclePolicyText', type: 'string', description: 'The lifecycle policy JSON; null when none.', value: (r) => r.repository.lifecyclePolicyText ?? null },
  {
    name: 'replicationDestinations',
    type: 'string',
    description: 'Registries this repository replicates to (region/account), from the registry replication rules; null when none.',
    value: (r) => list(r.repository.replicationDestinations.map((d) => `${d.region}/${d.registryId}`)),
  },
  { name: 'crossAccountAccess', type: 'boolean', description: 'Whether the repository policy lets another account (or anyone) pull or push.', value: (r) => r.repository.policy.crossAccount },
  { name: 'pullAccounts', type: 'string', description: 'Accounts the repository policy lets pull (* = any); null when none.', value: (r) => list(r.repository.policy.pullAccounts) },
  { name: 'pushAccounts', type: 'string', description: 'Accounts the repository policy lets push (* = any); null when none.', value: (r) => list(r.repository.policy.pushAccounts) },
  {
    name: 'settingsReadAt',
    type: 'time',
    description: 'When the lifecycle policy, repository policy and tags were last read (every POLICY_REFRESH_INTERVAL); empty after a failed read, which the next refresh retries.',
    value: (r) => r.repository.settingsReadAt ?? null,
  },
  { name: 'incomplete', type: 'boolean', description: 'True when part of this repository could not be read, or some sizes or layers are unknown: its figures are lower bounds.', value: (r) => r.incomplete },
  ];
  const keys: Record<string, (r: number) => number> = {
    createdAt: (r) => f.createdAt[r]!,
    imagesTagged: (r) => f.imagesTagged[r]!,
    imagesUntagged: (r) => f.imagesUntagged[r]!,
    imageCount: (r) => f.imageCount[r]!,
    summedSizeBytes: (r) => f.summed[r]!,
    deduplicatedSizeBytes: (r) => f.deduplicated[r]!,
    monthlyCostUsd: (r) => f.cost[r]!,
    lastPushedAt: (r) => f.lastPushedAt[r]!,
    lastPulledAt: (r) => f.lastPulledAt[r]!,
    daysSinceLastPull: days,
  };
  return columns.map((c): RepositoryColumn => {
    const key = Object.hasOwn(keys, c.name) ? keys[c.name] : undefined;
    const value: RepositoryColumn['value'] = (r) => c.value(at(r));
    return Object.assign({}, c, { value }, key ? { key } : {});
  });
}



/** Per-repository numbers as typed arrays (NaN = null), for filters and sort keys without object hops. */
interface RepositoryFacts {
  readonly createdAt: Float64Array;
  readonly imagesTagged: Float64Array;
  readonly imagesUntagged: Float64Array;
  readonly imageCount: Float64Array;
  readonly summed: Float64Array;
  readonly deduplicated: Float64Array;
  readonly cost: Float64Array;
  readonly lastPushedAt: Float64Array;
  readonly lastPulledAt: Float64Array;
}

const REPOSITORY_FACTS = slot<RepositoryFacts, PriceTable>('repository sort keys');

function repositoryFacts(snapshot: Snapshot, prices: PriceTable): RepositoryFacts {
  return derivedOf(snapshot).get(REPOSITORY_FACTS, prices, () => {
    const rows = repositoryRows(snapshot, prices);
    const of = (value: (row: RepositoryRow) => number | null) => Float64Array.from(rows, (row) => value(row) ?? NaN);
    return {
      createdAt: of((r) => r.repository.createdAt),
      imagesTagged: of((r) => r.imagesTagged),
      imagesUntagged: of((r) => r.imagesUntagged),
      imageCount: of((r) => r.imageCount),
      summed: of((r) => r.summed),
      deduplicated: of((r) => r.deduplicated),
      cost: of((r) => r.cost),
      lastPushedAt: of((r) => r.lastPushedAt),
      lastPulledAt: of((r) => r.lastPulledAt),
    };
  });
}

export const REPOSITORY_ROWS = slot<readonly RepositoryRow[], PriceTable>('repository rows');

/** Every repository's finished row, once per snapshot and price table: a query only filters and pages them. */
export function repositoryRows(snapshot: Snapshot, prices: PriceTable): readonly RepositoryRow[] {
  return derivedOf(snapshot).get(REPOSITORY_ROWS, prices, () => {
    const stats = repositoryStats(snapshot);
    return snapshot.repositories.map((repository): RepositoryRow => {
      const s = stats.get(repository.id)!;
      const cost = repositoryCost(snapshot, repository.id, prices);
      return {
        repository,
        imageCount: s.imageCount,
        imagesTagged: s.imagesTagged,
        imagesUntagged: s.imagesUntagged,
        summed: cost.summedSizeBytes,
        deduplicated: cost.deduplicatedSizeBytes,
        cost: cost.monthlyCostUsd,
        lastPushedAt: s.lastPushedAt,
        lastPulledAt: s.lastPulledAt,
        incomplete: (snapshot.incompleteByRepository.get(repository.id)?.length ?? 0) > 0 || !cost.deduplicatedComplete || cost.imagesWithoutSize > 0,
      };
    });
  });
}

/** Rows (repository indices) the filters keep; times read the typed facts (NaN never passes). */
function keptRows(snapshot: Snapshot, request: QueryRequest, ctx: QueryContext): Int32Array {
  const now = ctx.now();
  const f = request.filters;
  const candidates = keptRepositories(snapshot, f);
  const timeFilters = [f.pushedBefore, f.pushedAfter, f.pulledBefore, f.pulledAfter, f.olderThanDays, f.notPulledForDays];
  if (timeFilters.every((v) => v === undefined)) return candidates;
  const facts = repositoryFacts(snapshot, ctx.prices);
  const { lastPushedAt: pushed, lastPulledAt: pulled, createdAt } = facts;
  const out: number[] = [];
  for (const r of candidates) {
    if (f.pushedBefore !== undefined && !(pushed[r]! < f.pushedBefore)) continue;
    if (f.pushedAfter !== undefined && !(pushed[r]! >= f.pushedAfter)) continue;
    if (f.pulledBefore !== undefined && !(pulled[r]! < f.pulledBefore)) continue;
    if (f.pulledAfter !== undefined && !(pulled[r]! >= f.pulledAfter)) continue;
    if (f.olderThanDays !== undefined && createdAt[r]! > now - f.olderThanDays * DAY_MS) continue;
    if (f.notPulledForDays !== undefined) {
      const since = Number.isNaN(pulled[r]!) ? (Number.isNaN(pushed[r]!) ? createdAt[r]! : pushed[r]!) : pulled[r]!;
      if (since > now - f.notPulledForDays * DAY_MS) continue;
    }
    out.push(r);
  }
  return Int32Array.from(out);
}

/**
 * One row per repository. Filters: registry, region, repository; pushed…/pulled… on the newest push and
 * pull of the repository; olderThanDays on createdAt; notPulledForDays on the last pull (else the last
 * push, else creation). `range` does not apply: a repository is state, not an event.
 */
export const repositoriesBuilder: FrameBuilder = {
  filters: QUERY_FILTERS.repositories,
  usesRange: false,
  build(snapshot, request, ctx) {
    const columns = repositoryColumns(snapshot, ctx.prices, ctx.now());
    const rows = keptRows(snapshot, request, ctx);
    const page = repositoryPage(snapshot, 'repositories', columns, rows, request);
    return pagedFrame({
      name: 'repositories',
      columns,
      page,
      total: rows.length,
      snapshotVersion: snapshot.version,
      notices: repositoryNotices(snapshot, rows, request.filters),
    });
  },
};
