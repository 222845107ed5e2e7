/**
 * The refresher's memory of uses: records what each snapshot saw in the usage ledger, recalls what it did not
 * see that is still within retention, and notes since when each registry's ECS has been watched without a gap.
 */
import { errorMessage } from '../aws/ecr.js';
import { ITEMS_PER_STEP, runCooperatively } from '../cooperative.js';
import type { Steps } from '../cooperative.js';
import type { Logger } from '../log.js';
import { withUses, withUsesSteps } from '../snapshot/build.js';
import type { ImageUse, Incomplete, Snapshot, SourceCoverage } from '../snapshot/model.js';
import { useIdentity } from '../snapshot/model.js';
import type { LedgerEntry, UseSighting, UsageLedger } from '../store/types.js';
import type { UseRetention } from '../snapshot/use-windows.js';
import { currentUseCounter } from '../snapshot/use-windows.js';

const DAY = 86_400_000;
/** ECS lists a stopped task for at least an hour (ListTasks): reads closer than this together see every task. */
export const ECS_STOPPED_LISTING_MS = 55 * 60_000;

/** What a targeted refresh read again: only those uses were seen at its time. */
export interface TargetedRead {
  readNow(use: ImageUse): boolean;
}

export class UseMemory {
  constructor(
    private readonly ledger: UsageLedger,
    /** Derived from the cleanup settings by the wiring (cleanup/plan/config.ts useRetention). */
    private readonly settings: UseRetention,
    private readonly log: Logger,
  ) {}

  private retentionMs(): number {
    return this.settings.retentionMs;
  }

  /**
   * Records the uses this snapshot saw in the ledger and recalls the ones it did not see that are still
   * within retention. A ledger failure blocks every plan (scope 'ledger'): a forgotten use must not delete.
   */
  async remember(snapshot: Snapshot, now: number, targeted?: TargetedRead): Promise<Snapshot> {
    const counts = currentUseCounter(snapshot.uses, this.settings.windows, now);
    // A registry with many ECS workloads has a hundred thousand uses and more: gathered a step at a time.
    const { sightings, seenNow } = await runCooperatively(sightingsSteps(snapshot, counts, targeted));
    try {
      await this.ledger.record(sightings, now);
      const retention = this.retentionMs();
      const entries = await this.ledger.seenSince(now - retention);
      await this.ledger.prune(now - retention - DAY);
      const remembered = await runCooperatively(unseenSteps(entries, seenNow));
      // Only a full read of a registry's ECS tells that it was watched without a gap; a targeted one keeps what the full one said.
      const sources = targeted ? snapshot.sources : await this.watch(snapshot, now);
      return await runCooperatively(
        withUsesSteps(snapshot, {
          version: snapshot.version,
          uses: snapshot.uses,
          clusters: snapshot.clusters,
          incomplete: snapshot.incomplete,
          remembered,
          sources,
        }),
      );
    } catch (error) {
      const entry: Incomplete = {
        scope: 'ledger',
        accountId: '',
        region: '',
        operation: 'record/recall',
        error: errorMessage(error),
      };
      this.log.error('the usage ledger failed; every cleanup plan is blocked', { error: entry.error });
      return withUses(snapshot, {
        version: snapshot.version,
        uses: snapshot.uses,
        clusters: snapshot.clusters,
        incomplete: [...snapshot.incomplete, entry],
      });
    }
  }

  /**
   * Since when ECS has been read in each registry with no gap longer than ECS lists a stopped task: a task that
   * ran and stopped inside a longer gap (the sidecar was down, a new data directory) was never seen.
   */
  private async watch(snapshot: Snapshot, now: number): Promise<readonly SourceCoverage[] | undefined> {
    if (!snapshot.sources) return snapshot.sources;
    const failed = new Set(
      snapshot.incomplete
        .filter((e) => e.scope === 'ecs' || e.scope === 'cluster')
        .map((e) => `${e.accountId}/${e.region}`),
    );
    const scope = (s: SourceCoverage): string | undefined =>
      s.source === 'ecs' && s.accountId !== undefined && !failed.has(`${s.accountId}/${s.region}`)
        ? `ecs/${s.accountId}/${s.region}`
        : undefined;
    const scopes = snapshot.sources.flatMap((s) => scope(s) ?? []);
    const since = await this.ledger.watched(scopes, now, ECS_STOPPED_LISTING_MS);
    return snapshot.sources.map((s) => {
      const at = since.get(scope(s) ?? '');
      return at === undefined ? s : Object.assign({}, s, { watchedSince: at });
    });
  }
}

/** The uses this snapshot saw that count now, as sightings (those read now), and the identity of each. */
export function* sightingsSteps(
  snapshot: Snapshot,
  counts: (use: ImageUse) => boolean,
  targeted: TargetedRead | undefined,
): Steps<{ sightings: UseSighting[]; seenNow: Set<string> }> {
  const sightings: UseSighting[] = [];
  const seenNow = new Set<string>();
  let done = 0;
  for (const [key, uses] of snapshot.usesByImage) {
    const at = key.lastIndexOf('@');
    for (const use of uses) {
      // One image may have thousands of uses (a base image run by every service): counted per use.
      if (++done === ITEMS_PER_STEP) {
        done = 0;
        yield;
      }
      if (!counts(use)) continue;
      // A targeted refresh saw only what it read again: the rest keeps the time the ledger has for it.
      if (!targeted || targeted.readNow(use)) sightings.push({ repositoryId: key.slice(0, at), digest: key.slice(at + 1), use });
      seenNow.add(seenKey(key, use));
    }
  }
  return { sightings, seenNow };
}

/** A use of an image (`repositoryId@digest`) as seenNow holds it. */
const seenKey = (image: string, use: ImageUse): string => `${image}|${useIdentity(use)}`;

/** The ledger's entries this snapshot did not see, as uses of their digest. */
export function* unseenSteps(entries: readonly LedgerEntry[], seenNow: ReadonlySet<string>): Steps<ImageUse[]> {
  const out: ImageUse[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!seenNow.has(seenKey(`${e.repositoryId}@${e.digest}`, e.use))) out.push(Object.assign({}, e.use, { digest: e.digest }));
    if ((i + 1) % ITEMS_PER_STEP === 0) yield;
  }
  return out;
}
