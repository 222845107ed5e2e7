/** Annotations of kind `cleanup`: deletion candidates at their push time, and blocked repositories. */
import type { Annotation, AnnotationSource } from '../../query/annotations.js';
import { scopedRepositories } from '../../query/annotations.js';
import type { PlanSource } from './source.js';

export function cleanupAnnotations(service: PlanSource): AnnotationSource {
  return async (current, range) => {
    const snapshot = await service.plannedSnapshot(current);
    const plan = service.plan(snapshot);
    const events: Annotation[] = [];
    const inScope = scopedRepositories(range);
    for (const r of plan.repositories) {
      const { repository } = r;
      if (!inScope(repository)) continue;
      if (r.status === 'blocked' && snapshot.builtAt >= range.from && snapshot.builtAt <= range.to) {
        events.push({
          time: snapshot.builtAt,
          title: `Cleanup blocked in ${repository.name}`,
          text: r.blockedReasons.map((b) => b.text).join('\n'),
          tags: ['cleanup', 'blocked', repository.name],
          repository: repository.name,
          account: repository.accountId,
          region: repository.region,
          planId: plan.id,
        });
      }
      for (const p of r.images) {
        if (p.decision !== 'delete' || p.image.pushedAt < range.from || p.image.pushedAt > range.to) continue;
        events.push({
          time: p.image.pushedAt,
          title: `Cleanup candidate in ${repository.name}`,
          text: `${repository.name}@${p.image.digest}${p.image.tags.length ? ` (${p.image.tags.join(', ')})` : ''}: ${p.reasons.map((x) => x.text).join('; ')}`,
          tags: ['cleanup', 'delete', repository.name],
          repository: repository.name,
          account: repository.accountId,
          region: repository.region,
          digest: p.image.digest,
          reclaimableBytes: p.reclaimableBytes,
          planId: plan.id,
        });
      }
    }
    return events.sort((a, b) => b.time - a.time).slice(0, range.limit);
  };
}
