/**
 * What a plan cannot see, said out loud: in-use sources not read, registries declared to run nothing, and
 * uses that name registries ECR Lens does not inventory (their images are protected by no plan).
 */
import type { ImageUse, Snapshot, UseSource } from '../../snapshot/model.js';
import { registryKey, USE_SOURCES } from '../../snapshot/model.js';
import { parseEcrReference } from '../../snapshot/reference.js';
import type { CleanupConfig } from './config.js';
import { longestKeepDays } from './config.js';

const NOT_READ: Readonly<Record<UseSource, string>> = {
  ecs: 'ECS is not read (ECS_ENABLED=false): images that ECS tasks and services run look unused',
  lambda: 'Lambda is not read (LAMBDA_ENABLED=false): images of container-image functions look unused',
  kubernetes: 'Kubernetes is not read (KUBERNETES_PROMETHEUS_URL is not set): images that only EKS or other Kubernetes pods run look unused',
  'keep-list': 'no keep list is read (IN_USE_KEEP_LISTS is not set): images that only App Runner, Batch, EC2 or hosts outside AWS run look unused',
};

/** At most this many foreign registries are named. */
const MAX_FOREIGN = 10;

export function blindSpotNotices(snapshot: Snapshot, config: CleanupConfig, now: number): string[] {
  if (!snapshot.sources) return [];
  const notices: string[] = [];
  const read = new Set(snapshot.sources.map((s) => s.source));
  for (const source of USE_SOURCES) if (!read.has(source)) notices.push(NOT_READ[source]);
  for (const registry of config.inUse.nothingRunsFrom)
    notices.push(`registry ${registry} is declared in CLEANUP_NOTHING_RUNS_FROM: its plan is not blocked without an in-use source, so nothing protects images that do run from it`);
  for (const source of snapshot.sources) notices.push(...(source.notices ?? []));
  notices.push(...watchNotices(snapshot, config, now));
  notices.push(...foreignRegistryNotices(snapshot));
  return notices;
}

/** Uses whose reference names an ECR registry outside the configured accounts and regions. */
export function foreignRegistryNotices(snapshot: Snapshot): string[] {
  const known = new Set(snapshot.registries.map((r) => registryKey(r.accountId, r.region)));
  const foreign = new Map<string, number>();
  const count = (uses: readonly ImageUse[]): void => {
    for (const use of uses) {
      const ref = parseEcrReference(use.reference);
      if (!ref) continue;
      const key = registryKey(ref.accountId, ref.region);
      if (!known.has(key)) foreign.set(key, (foreign.get(key) ?? 0) + 1);
    }
  };
  count(snapshot.uses);
  const sorted = [...foreign].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out = sorted
    .slice(0, MAX_FOREIGN)
    .map(([key, n]) => `${n} use${n === 1 ? '' : 's'} name${n === 1 ? 's' : ''} registry ${key}, which ECR Lens does not inventory: add that account or region to see and protect those images`);
  if (sorted.length > MAX_FOREIGN) out.push(`and ${sorted.length - MAX_FOREIGN} more registries outside the configured accounts and regions`);
  return out;
}

/** ECS read with a gap within the window tasks are remembered for: a task that ran and stopped in the gap is unseen. */
function watchNotices(snapshot: Snapshot, config: CleanupConfig, now: number): string[] {
  const windowMs = Math.max(config.inUse.stoppedTaskWindowHours * 3_600_000, longestKeepDays(config) * 86_400_000);
  const recent = (snapshot.sources ?? []).filter((s) => s.watchedSince !== undefined && s.watchedSince > now - windowMs);
  if (!recent.length) return [];
  const since = Math.min(...recent.map((s) => s.watchedSince!));
  const where = recent.map((s) => `${s.accountId}/${s.region}`).slice(0, 5).join(', ');
  return [
    `ECS in ${where}${recent.length > 5 ? ` and ${recent.length - 5} more` : ''} has been watched without a gap only since ${new Date(since).toISOString()} ` +
      `(a new data directory, the sidecar down, or refreshes more than an hour apart): a task that ran and stopped before then, within the ` +
      `${Math.round(windowMs / 3_600_000)}-hour window tasks are remembered for, was not seen, so an image only it used looks unused`,
  ];
}
