/**
 * On-demand scan findings for the findings query, for images whose lists the snapshot does not keep (it
 * keeps a bounded share; see refresh/ecr.ts SNAPSHOT_FINDINGS_MAX). Lists are cached per image in an LRU
 * bounded in bytes (descriptions included: the findings query shows them).
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { basicFinding, enhancedFinding } from './finding-mappers.js';
import type { Finding, Repository } from '../snapshot/model.js';
import { EcrFetcher } from './ecr.js';

export type EcrClientFor = (accountId: string, region: string) => ECRClient | undefined;

export interface FindingsProviderOptions {
  /** The client for a repository's registry; undefined when the account is not configured. */
  readonly clientFor: EcrClientFor;
  /** Bytes of findings kept (estimated; default 32 MiB). */
  readonly maxBytes?: number;
  /** Concurrent DescribeImageScanFindings calls (default 4). */
  readonly concurrency?: number;
}

/** Rough heap bytes of a findings list: object overhead plus two bytes per string character. */
export function findingsBytes(findings: readonly Finding[] | undefined): number {
  let bytes = 64;
  for (const f of findings ?? []) {
    bytes += 96;
    for (const value of Object.values(f)) if (typeof value === 'string') bytes += 16 + 2 * value.length;
  }
  return bytes;
}

export function createFindingsProvider(options: FindingsProviderOptions): (repository: Repository, digest: string) => Promise<readonly Finding[] | undefined> {
  const cache = new LRUCache<string, { findings: readonly Finding[] | undefined }>({
    maxSize: options.maxBytes ?? 32 * 1024 * 1024,
    // A rescan changes the list: keep an entry no longer than a query user would accept stale findings.
    ttl: 15 * 60_000,
    sizeCalculation: (entry) => findingsBytes(entry.findings),
  });
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
