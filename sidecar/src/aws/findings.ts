/**
 * On-demand scan findings for the findings query, for images whose findings the refresh did not fetch
 * (basic scans, whose counts come from DescribeImages). Results are cached per image in a bounded LRU.
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { basicFinding, enhancedFinding } from '../snapshot/assemble-image.js';
import type { Finding, Repository } from '../snapshot/model.js';
import { EcrFetcher } from './ecr.js';

export type EcrClientFor = (accountId: string, region: string) => ECRClient | undefined;

export interface FindingsProviderOptions {
  /** The client for a repository's registry; undefined when the account is not configured. */
  readonly clientFor: EcrClientFor;
  /** Images kept (default 2,000). */
  readonly max?: number;
  /** Concurrent DescribeImageScanFindings calls (default 4). */
  readonly concurrency?: number;
}

export function createFindingsProvider(options: FindingsProviderOptions): (repository: Repository, digest: string) => Promise<readonly Finding[] | undefined> {
  const cache = new LRUCache<string, { findings: readonly Finding[] | undefined }>({ max: options.max ?? 2000 });
  const limit = pLimit(options.concurrency ?? 4);
  return async (repository, digest) => {
    const key = `${repository.id}@${digest}`;
    const hit = cache.get(key);
    if (hit) return hit.findings;
    const client = options.clientFor(repository.accountId, repository.region);
    if (!client) return undefined;
    const pages = await new EcrFetcher(client, limit, repository.accountId).scanFindings(repository.name, digest);
    const findings = pages ? [...pages.findings.map(basicFinding), ...pages.enhancedFindings.map(enhancedFinding)] : undefined;
    cache.set(key, { findings });
    return findings;
  };
}
