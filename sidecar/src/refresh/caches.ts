/**
 * What a refresher keeps between refreshes. Manifests and task definitions are addressed by digest or
 * revision ARN, so they never change: a steady-state refresh does not fetch them again. Scan findings are
 * kept per image and re-fetched only when ECR signals a change (or, without a signal, after a maximum age).
 * Entries not seen by the latest refresh are dropped.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { FetchedScan, ManifestInfo } from '../snapshot/assemble-image.js';

export class RefreshCaches {
  /** Parsed manifests by digest. */
  readonly manifests = new Map<string, ManifestInfo>();
  /** Fetched scan findings by `imageKey` (repository + digest). */
  readonly scans = new Map<string, FetchedScan>();
  /** Described task definitions (trimmed to what uses need) by the ARN or `family:revision` asked for. */
  readonly taskDefinitions = new Map<string, TaskDefinition>();
  /** The account id each registry target resolved to, for refreshes where DescribeRegistry fails. */
  readonly accountIds = new Map<string, string>();
  private strings = new Map<string, string>();

  /** One shared string per blob digest: images of a repository share layers. */
  readonly intern = (s: string): string => {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  };

  /** Drops entries the latest refresh did not use. */
  retain(seen: { manifests: ReadonlySet<string>; scans: ReadonlySet<string>; taskDefinitions: ReadonlySet<string> }): void {
    for (const key of this.manifests.keys()) if (!seen.manifests.has(key)) this.manifests.delete(key);
    for (const key of this.scans.keys()) if (!seen.scans.has(key)) this.scans.delete(key);
    for (const key of this.taskDefinitions.keys()) if (!seen.taskDefinitions.has(key)) this.taskDefinitions.delete(key);
    const strings = new Map<string, string>();
    for (const manifest of this.manifests.values()) {
      for (const blob of manifest.blobs) strings.set(blob, blob);
      for (const child of manifest.children) strings.set(child, child);
    }
    this.strings = strings;
  }
}

/** Keeps only what image uses need of a task definition. */
export const trimTaskDefinition = (definition: TaskDefinition): TaskDefinition => ({
  ...(definition.taskDefinitionArn ? { taskDefinitionArn: definition.taskDefinitionArn } : {}),
  ...(definition.family ? { family: definition.family } : {}),
  ...(definition.revision !== undefined ? { revision: definition.revision } : {}),
  ...(definition.registeredAt ? { registeredAt: definition.registeredAt } : {}),
  containerDefinitions: (definition.containerDefinitions ?? []).map((c) => ({
    ...(c.name ? { name: c.name } : {}),
    ...(c.image ? { image: c.image } : {}),
  })),
});
