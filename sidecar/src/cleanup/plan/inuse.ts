/**
 * Which uses protect an image. Uses the current read saw: running tasks, tasks stopped within the window,
 * service deployments, the newest N revisions of each task-definition family, Lambda versions, pods and
 * keep lists. Uses remembered by the ledger: until they have been unseen for the rule's
 * keepIfUsedWithinDays (tasks also for the stopped-task window, counted from when they were last seen
 * running or stopped). A use with a missing time or revision counts (fail closed).
 */
import type { Image, ImageUse, Snapshot } from '../../snapshot/model.js';
import type { InUseConfig } from './config.js';
import { parseEcrReference } from '../../snapshot/reference.js';
import { currentUseCounter, rememberedUseCounts } from '../../snapshot/use-windows.js';

const NONE: readonly ImageUse[] = Object.freeze([]);

export interface InUseResolver {
  /** The uses that protect the image under `defaultKeepDays`, sorted. Empty when not in use. */
  (image: Image): readonly ImageUse[];
  /** The same, for the images of one repository under a rule's keepIfUsedWithinDays. */
  forRepository(repositoryId: string, keepDays?: number): (image: Image) => readonly ImageUse[];
  /** The remembered uses that name the repository's images, by digest (what forRepository reads of them). */
  rememberedOf(repositoryId: string): ReadonlyMap<string, readonly ImageUse[]> | undefined;
}

// Moved to the snapshot model, so query/ and metrics/ can read it without importing cleanup/.
export { lastUsedAt } from '../../snapshot/last-used.js';

/** Per repository, then digest: lookups need no key string per image. */
function byRepository(map: ReadonlyMap<string, readonly ImageUse[]>): Map<string, Map<string, readonly ImageUse[]>> {
  const out = new Map<string, Map<string, readonly ImageUse[]>>();
  for (const [key, uses] of map) {
    const at = key.lastIndexOf('@');
    const repo = key.slice(0, at);
    let inner = out.get(repo);
    if (!inner) out.set(repo, (inner = new Map()));
    inner.set(key.slice(at + 1), uses);
  }
  return out;
}

export function createInUseResolver(snapshot: Snapshot, config: InUseConfig, now: number, defaultKeepDays = 0): InUseResolver {
  const counts = currentUseCounter(snapshot.uses, config, now);
  const current = byRepository(snapshot.usesByImage);
  const remembered = byRepository(snapshot.rememberedByImage);
  const memo = new Map<string, Map<readonly ImageUse[] | undefined, Map<readonly ImageUse[] | undefined, readonly ImageUse[]>>>();
  const effective = (now_: readonly ImageUse[] | undefined, past: readonly ImageUse[] | undefined, keepDays: number): readonly ImageUse[] => {
    if (!now_ && !past) return NONE;
    const key = String(keepDays);
    let byNow = memo.get(key);
    if (!byNow) memo.set(key, (byNow = new Map()));
    let byPast = byNow.get(now_);
    if (!byPast) byNow.set(now_, (byPast = new Map()));
    let out = byPast.get(past);
    if (!out) {
      const list = [...(now_ ?? NONE).filter(counts), ...(past ?? NONE).filter((u) => rememberedUseCounts(u, config, keepDays, now))];
      // Sorted, so reasons and the plan id do not depend on the order the sources listed uses in.
      out = list.length ? list.sort((a, b) => compareText(sortKey(a), sortKey(b))) : NONE;
      byPast.set(past, out);
    }
    return out;
  };
  const forRepository = (repositoryId: string, keepDays = defaultKeepDays) => {
    const c = current.get(repositoryId);
    const r = remembered.get(repositoryId);
    if (!c && !r) return () => NONE;
    return (image: Image) => effective(c?.get(image.digest), r?.get(image.digest), keepDays);
  };
  const resolver = (image: Image): readonly ImageUse[] => forRepository(image.repositoryId)(image);
  resolver.forRepository = forRepository;
  resolver.rememberedOf = (repositoryId: string) => remembered.get(repositoryId);
  return resolver;
}

const sortKey = (u: ImageUse): string =>
  `${u.lastSeenAt === undefined ? 0 : 1}|${u.kind}|${u.accountId}/${u.region}|${u.cluster ?? ''}|${u.service ?? ''}|${u.task ?? ''}|${u.taskDefinition ?? ''}|${u.functionName ?? ''}|${u.qualifier ?? ''}|${u.namespace ?? ''}|${u.pod ?? ''}|${u.list ?? ''}|${u.container ?? ''}|${u.reference}|${u.at ?? ''}`;
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** How a use names the image: by digest, or by one of its tags (`latest` when the reference names none). */
export function matchedBy(use: ImageUse, image: Image): string {
  if (use.digest === image.digest || use.reference.endsWith(`@${image.digest}`)) return 'by digest';
  const ref = parseEcrReference(use.reference);
  if (!ref?.tag) return 'by reference';
  const written = use.reference.indexOf('@') < 0 ? use.reference : use.reference.slice(0, use.reference.indexOf('@'));
  return written.lastIndexOf(':') > written.lastIndexOf('/') ? `by tag ${ref.tag}` : `by tag ${ref.tag} (implicit: no tag written)`;
}
