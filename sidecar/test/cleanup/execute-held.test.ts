process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * What a run does when ECR refuses an image: what goes with it (an index's children, a subject's referrers) is
 * held back, not deleted, so no signature is stripped from an image that stays. Against the emulator, whose
 * BatchDeleteImage answers an injected per-image failure as ECR does (failures[{imageId, failureCode}]).
 */
import { join } from 'node:path';
import { CleanupExecuteReport, type SelectedImage } from '@ecr-lens/contract';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, ADMIN, d, REGION, useCleanupHarness } from '../support/cleanup-fixture.js';

const harness = useCleanupHarness();
const api = (seed: string): SelectedImage => ({ repository: 'api', account: ACCOUNT, region: REGION, digest: d(seed) });

describe('a run where ECR refuses an image', () => {
  it("holds back a referrer whose subject ECR kept, deletes the rest, and counts the held one as deferred", async () => {
    const service = harness().serviceWith({
      SIDECAR_ADMIN_TOKEN: ADMIN,
      CLEANUP_DELETE_ENABLED: 'true',
      CLEANUP_AUDIT_LOG: join(harness().dir, 'held.jsonl'),
    });
    const app = harness().makeApp(service);
    const planId = ((await (await app.request('/api/v1/cleanup/plan?repository=api&limit=1')).json()) as { planId: string }).planId;
    const controls = harness().emulator.store.controls;
    controls.setFault('ecr:BatchDeleteImage', { deleteFailures: { match: d('v1').slice('sha256:'.length), failureCode: 'KmsError', failureReason: 'the key is disabled' } });
    try {
      const res = await app.request('/api/v1/cleanup/execute', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Admin-Token': ADMIN },
        body: JSON.stringify({ planId, repositories: ['api'], images: [api('sig-v1'), api('v1'), api('v2')], dryRun: false }),
      });
      expect(res.status).toBe(200);
      const report = CleanupExecuteReport.parse(await res.json());
      expect(report).toMatchObject({ outcome: 'partial', candidates: 3, deferred: 1 });
      expect(report.failures.map((f) => [f.digest, f.code])).toEqual([[d('v1'), 'KmsError']]);
      expect(report.deleted.map((x) => x.digest)).toEqual([d('v2')]);
      // v1 stayed, so its signature stayed with it.
      const left = await harness().listDigests('api');
      expect(left).toEqual(expect.arrayContaining([d('v1'), d('sig-v1')]));
      expect(left).not.toContain(d('v2'));
    } finally {
      controls.setFault('ecr:BatchDeleteImage', undefined);
    }
  });
});
