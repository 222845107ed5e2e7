/** What reading one registry's ECR side needs: its fetcher, the refresher's caches and the refresh it is part of. */
import type { LimitFunction } from 'p-limit';
import type { EcrFetcher } from '../aws/ecr.js';
import type { Registry } from '../snapshot/model.js';
import type { RefreshCaches } from './caches.js';
import type { RefreshRun } from './run.js';

export interface EcrReadContext {
  readonly accountId: string;
  readonly region: string;
  readonly ecr: EcrFetcher;
  readonly caches: RefreshCaches;
  /** The refresh this read is part of. */
  readonly run: RefreshRun;
  readonly scanMaxAgeMs: number;
  /** How long a repository's lifecycle policy, repository policy and tags are reused before they are read again. */
  readonly settingsMaxAgeMs: number;
  /** Bounds the repositories in flight, so only their image details are held in memory at once. */
  readonly repositoryLimit: LimitFunction;
  /** Known from the previous refresh when DescribeRegistry fails now. */
  readonly describeRegistry: Promise<PromiseSettledResult<{ replicationRules: Registry['replicationRules'] }>>;
  /** BASIC_SCAN_TYPE_VERSION (CLAIR or AWS_NATIVE), when readable. */
  readonly basicScanner: Promise<string | undefined>;
}
