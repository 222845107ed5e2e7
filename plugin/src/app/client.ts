import {
  CleanupConflict,
  CleanupExecuteReport,
  CleanupPlan,
  CleanupRunsPage,
  CleanupSources,
  RefreshOutcome,
  type SelectedImage,
} from '@ecr-lens/contract';

import { SidecarClient, SidecarError } from '../datasource/api';
import { APP_PROXY, writeRoute, type AppSettings } from './settings';

export { SidecarError };

/** What an execution answered: a report, or a 409 saying the plan changed (with what it decides now). */
export type ExecuteResult =
  { kind: 'report'; report: CleanupExecuteReport } | { kind: 'conflict'; conflict: CleanupConflict };

/** The sidecar as the app reaches it: reads on the `sidecar` route, writes on the route the settings allow. */
export class AppClient {
  private readonly reads = new SidecarClient(APP_PROXY, 'sidecar');
  private readonly writes: SidecarClient;

  constructor(settings: AppSettings | undefined) {
    this.writes = new SidecarClient(APP_PROXY, writeRoute(settings));
  }

  plan(): Promise<CleanupPlan> {
    return this.reads.get('/api/v1/cleanup/plan', CleanupPlan);
  }

  runs(before?: number): Promise<CleanupRunsPage> {
    return this.reads.get('/api/v1/cleanup/runs', CleanupRunsPage, { before, limit: 50 });
  }

  sources(): Promise<CleanupSources> {
    return this.reads.get('/api/v1/cleanup/sources', CleanupSources);
  }

  refresh(): Promise<RefreshOutcome> {
    return this.writes.post('/api/v1/refresh', {}, RefreshOutcome);
  }

  /** Executes (or previews) exactly `images` of plan `planId`. */
  async execute(planId: string, images: SelectedImage[], dryRun: boolean): Promise<ExecuteResult> {
    try {
      const report = await this.writes.post(
        '/api/v1/cleanup/execute',
        { planId, images, dryRun },
        CleanupExecuteReport
      );
      return { kind: 'report', report };
    } catch (err) {
      if (err instanceof SidecarError && err.status === 409) {
        const conflict = CleanupConflict.safeParse(err.data);
        if (conflict.success && conflict.data.currentPlanId) {
          return { kind: 'conflict', conflict: conflict.data };
        }
      }
      throw err;
    }
  }
}
