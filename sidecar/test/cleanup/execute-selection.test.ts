process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Executing a person's approval: only the images they chose, each one the reviewed plan deletes, an index child or
 * referrer only with its index or subject; and, when the plan changed, what changed for those images. Against the
 * emulator through the real SDK clients and the HTTP routes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchDeleteImageCommand } from '@aws-sdk/client-ecr';
import { CleanupConflict, CleanupExecuteReport, MAX_SELECTED_IMAGES, type SelectedImage } from '@ecr-lens/contract';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, ADMIN, d, REGION, URI, useCleanupHarness } from '../support/cleanup-fixture.js';

const harness = useCleanupHarness();

const api = (seed: string): SelectedImage => ({ repository: 'api', account: ACCOUNT, region: REGION, digest: d(seed) });

function appWithAudit(file: string) {
  const service = harness().serviceWith({
    SIDECAR_ADMIN_TOKEN: ADMIN,
    CLEANUP_DELETE_ENABLED: 'true',
    CLEANUP_AUDIT_LOG: join(harness().dir, file),
  });
  const app = harness().makeApp(service);
  const execute = (body: unknown) =>
    app.request('/api/v1/cleanup/execute', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Admin-Token': ADMIN },
      body: JSON.stringify(body),
    });
  const planId = async (): Promise<string> =>
    ((await (await app.request('/api/v1/cleanup/plan?repository=api&limit=1')).json()) as { planId: string }).planId;
  const audit = (): Record<string, unknown>[] =>
    readFileSync(join(harness().dir, file), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { execute, planId, audit };
}

describe('executing approved images', () => {
  it('dry-runs exactly the approval, and deletes nothing', async () => {
    const { execute, planId, audit } = appWithAudit('dry.jsonl');
    const before = await harness().listDigests('api');
    const res = await execute({ planId: await planId(), repositories: ['api'], images: [api('v1'), api('loose')] });
    expect(res.status).toBe(200);
    const report = CleanupExecuteReport.parse(await res.json());
    expect(report).toMatchObject({ dryRun: true, outcome: 'dry_run', candidates: 2, deferred: 0 });
    expect(report.deleted.map((x) => x.digest).sort()).toEqual([d('v1'), d('loose')].sort());
    expect(await harness().listDigests('api')).toEqual(before);
    expect(audit()[0]).toMatchObject({ event: 'cleanup.started', approved: 2, candidates: 2 });
  });

  it('refuses an approval the plan does not allow, naming each image, and deletes nothing', async () => {
    const { execute, planId, audit } = appWithAudit('refused.jsonl');
    const before = await harness().listDigests('api');
    const id = await planId();
    const cases: [string, SelectedImage[], string, RegExp][] = [
      ['an image in use', [api('v3')], 'images.0', /does not delete .* \(keep: kept: used by service api/],
      ['an index child without its index', [api('old-amd')], 'images.0', /index sha256:.* lists .* not approved/],
      ['a referrer without its subject', [api('sig-v1')], 'images.0', /refers to .* not approved/],
      ['an image named twice', [api('v1'), api('v1')], 'images.1', /already approved/],
      ['a repository out of scope', [{ ...api('w1'), repository: 'worker' }], 'images.0', /not in the plan's scope/],
      ['an image not in the registry', [api('never-pushed')], 'images.0', /is not in the plan/],
    ];
    for (const [what, images, path, message] of cases) {
      const res = await execute({ planId: id, repositories: ['api'], images, dryRun: false });
      expect(res.status, what).toBe(400);
      const body = (await res.json()) as { error: string; issues: { path: string; message: string }[] };
      expect(body.issues[0], what).toMatchObject({ path });
      expect(body.issues[0]!.message, what).toMatch(message);
    }
    // The wire format is checked before anything else.
    const bad = await execute({ planId: id, images: [{ ...api('v1'), digest: 'sha256:nope' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('images.0.digest');

    expect(await harness().listDigests('api')).toEqual(before);
    const refusals = audit();
    expect(refusals.map((e) => e.event)).toEqual(cases.map(() => 'cleanup.refused'));
    expect(refusals[1]!.reason).toMatch(/^the approved images do not fit the plan: images\.0 index/);
  });

  it('deletes exactly the approved images in a real run, an index without its children included', async () => {
    const { execute, planId, audit } = appWithAudit('real.jsonl');
    const before = await harness().listDigests('api');
    const approved = [api('v1'), api('sig-v1'), api('old-multi')];
    const res = await execute({ planId: await planId(), repositories: ['api'], images: approved, dryRun: false });
    expect(res.status).toBe(200);
    const report = CleanupExecuteReport.parse(await res.json());
    expect(report).toMatchObject({ dryRun: false, outcome: 'succeeded', candidates: 3, failures: [] });
    const gone = approved.map((a) => a.digest).sort();
    expect(report.deleted.map((x) => x.digest).sort()).toEqual(gone);
    expect(await harness().listDigests('api')).toEqual(before.filter((x) => !gone.includes(x)));
    // Still there: what the plan deletes but nobody approved.
    for (const seed of ['v2', 'loose', 'old-amd', 'old-arm'])
      expect(await harness().listDigests('api'), seed).toContain(d(seed));
    const entries = audit();
    expect(entries[0]).toMatchObject({ event: 'cleanup.started', approved: 3 });
    expect((entries[0]!.digests as string[]).map((k) => k.split('@')[1]).sort()).toEqual(gone);
  });

  it('shows what changed for the approved images when the plan changed, and the new plan refuses them', async () => {
    const { execute, planId } = appWithAudit('changed.jsonl');
    const reviewed = await planId();
    // After the review: a task starts on v2, and loose and the index old-multi are deleted by someone else (its
    // child old-amd is then a loose manifest of its own, whichever tests ran before).
    const admin = (path: string, body: unknown) =>
      fetch(`${harness().emulator.url}/_emulator${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const where = { accountId: ACCOUNT, region: REGION };
    expect(
      (
        await admin('/task-definitions', {
          ...where,
          family: 'batch',
          containers: [{ name: 'batch', image: `${URI}/api:v2` }],
        })
      ).status,
    ).toBe(200);
    expect((await admin('/tasks/start', { ...where, cluster: 'prod', taskDefinition: 'batch:1' })).status).toBe(200);
    await harness().ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'api',
        imageIds: [{ imageDigest: d('loose') }, { imageDigest: d('old-multi') }],
      }),
    );
    const before = await harness().listDigests('api');

    const res = await execute({
      planId: reviewed,
      repositories: ['api'],
      images: [api('v2'), api('loose'), api('old-amd')],
      dryRun: false,
    });
    expect(res.status).toBe(409);
    const conflict = CleanupConflict.parse(await res.json());
    expect(conflict.currentPlanId).not.toBe(reviewed);
    expect(conflict.selection?.unchanged).toBe(1);
    const changed = new Map(conflict.selection!.changed.map((c) => [c.digest, c]));
    expect(changed.get(d('loose'))).toMatchObject({ decision: 'gone', reasons: [] });
    expect(changed.get(d('v2'))).toMatchObject({
      decision: 'keep',
      repository: 'api',
      account: ACCOUNT,
      region: REGION,
    });
    expect(changed.get(d('v2'))!.reasons[0]).toMatchObject({ code: 'in-use' });
    expect(await harness().listDigests('api')).toEqual(before);

    // Approved again from the new plan: v2 is refused, old-amd goes.
    expect(await planId()).toBe(conflict.currentPlanId);
    const again = await execute({
      planId: conflict.currentPlanId,
      repositories: ['api'],
      images: [api('v2')],
      dryRun: false,
    });
    expect(again.status).toBe(400);
    const ok = await execute({
      planId: conflict.currentPlanId,
      repositories: ['api'],
      images: [api('old-amd')],
      dryRun: false,
    });
    expect(ok.status).toBe(200);
    expect(await harness().listDigests('api')).toEqual(before.filter((x) => x !== d('old-amd')));
  });

  it('takes an approval of the most images allowed, refusing each image by name', async () => {
    const { execute, planId } = appWithAudit('largest.jsonl');
    // The plan of what the registry holds now (an earlier test's run changed it after its last read).
    await harness().refresher.run();
    const images = Array.from({ length: MAX_SELECTED_IMAGES }, (_, i) => api(`not-pushed-${i}`));
    const res = await execute({ planId: await planId(), repositories: ['api'], images });
    // Over the general 64 KiB limit, under the route's own: the body is read, and the first images named.
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string; message: string }[] };
    expect(body.issues).toHaveLength(21);
    expect(body.issues.map((i) => i.path).slice(0, 3)).toEqual(['images.0', 'images.1', 'images.2']);
    expect(body.issues[0]!.message).toMatch(/is not in the plan/);
    expect(body.issues.at(-1)).toEqual({ path: 'images', message: `and ${MAX_SELECTED_IMAGES - 20} more issues` });
  });
});
