/**
 * What a refresher keeps between refreshes. Manifests and task definitions are addressed by digest or
 * revision ARN, so they never change: a steady-state refresh does not fetch them again. Scan results are
 * kept per image as counts and timestamps only (what the re-fetch decision needs), and re-fetched only when
 * ECR signals a change (or, without a signal, after a maximum age). Entries not seen by the latest refresh
 * are dropped. Keys are the interned digest strings the snapshot's images hold, so they cost no extra copy.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { AdaptiveConcurrency } from '../aws/adaptive-limit.js';
import { ITEMS_PER_STEP, type Steps } from '../cooperative.js';
import type { CachedManifest } from './assemble-image.js';
import { SharedCounts, type FetchedScan } from './scans.js';

/** What a refresh touched, so the caches can drop the rest. */
export interface Seen {
  /** Digests of the cached manifests this refresh used or stored. */
  readonly manifests: Set<string>;
  /** Repository ids whose scan entries the refresh kept (their map is replaced per refresh). */
  readonly scans: Set<string>;
  readonly taskDefinitions: Set<string>;
}

export class RefreshCaches {
  /** Parsed manifests (without blob sizes) by digest; plain ones are not kept (their images describe them). */
  readonly manifests = new Map<string, CachedManifest>();
  /** Compact scan results (no findings lists) by repository id, then digest. */
  readonly scans = new Map<string, ReadonlyMap<string, FetchedScan>>();
  /** Described task definitions (trimmed to what uses need) by the ARN or `family:revision` asked for. */
  readonly taskDefinitions = new Map<string, TaskDefinition>();
  /** The account id each registry target resolved to, for refreshes where DescribeRegistry fails. */
  readonly accountIds = new Map<string, string>();
  /** Each registry's requests in flight (`role|region`), learnt across refreshes. */
  readonly limits = new Map<string, AdaptiveConcurrency>();
  /** Each registry's basic scanner (`account|region`), so a targeted read does not ask again. */
  readonly basicScanners = new Map<string, string | undefined>();
  /** Severity counts shared by the images and cached scans that have the same ones. */
  readonly counts = new SharedCounts();

  /**
   * Drops entries the latest refresh did not use, in steps: at 1,000,000 images the manifests alone are hundreds
   * of thousands of keys, and looking them all up at once held the event loop for over half a second.
   */
  *retainSteps(seen: Seen): Steps<void> {
    const caches: readonly [Map<string, unknown>, ReadonlySet<string>][] = [
      [this.manifests, seen.manifests],
      [this.scans, seen.scans],
      [this.taskDefinitions, seen.taskDefinitions],
    ];
    let done = 0;
    for (const [cache, used] of caches)
      for (const key of cache.keys()) {
        if (!used.has(key)) cache.delete(key);
        if (++done % ITEMS_PER_STEP === 0) yield;
      }
  }
}

/**
 * A string interner: one shared string per value. A refresh uses one per repository (images of a repository
 * share layers and list each other as index children); a refresh-wide map reached millions of entries at
 * 1,000,000 images and cost more than the few base-layer digests repositories duplicate.
 */
export function interner(): (s: string) => string {
  const strings = new Map<string, string>();
  return (s) => {
    const known = strings.get(s);
    if (known !== undefined) return known;
    strings.set(s, s);
    return s;
  };
}

/** Keeps only what image uses need of a task definition. */
export const trimTaskDefinition = (definition: TaskDefinition): TaskDefinition => ({
  containerDefinitions: (definition.containerDefinitions ?? []).map((c) => ({
    ...(c.name ? { name: c.name } : {}),
    ...(c.image ? { image: c.image } : {}),
  })),
  ...(definition.taskDefinitionArn ? { taskDefinitionArn: definition.taskDefinitionArn } : {}),
  ...(definition.family ? { family: definition.family } : {}),
  ...(definition.revision !== undefined ? { revision: definition.revision } : {}),
  ...(definition.registeredAt ? { registeredAt: definition.registeredAt } : {}),
});
