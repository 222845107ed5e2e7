/**
 * approveSelection and selectionChanges against plans built by the planner: what an approval may name, and what a
 * changed plan says about it. The execution tests (execute-selection.test.ts) run the same checks end to end.
 */
import { describe, expect, it } from 'vitest';
import type { SelectedImage } from '@ecr-lens/contract';
import { CleanupConfig } from '../../src/cleanup/plan/config.js';
import { planCleanup } from '../../src/cleanup/plan/planner.js';
import { approveSelection, selectionChanges } from '../../src/cleanup/plan/selection.js';
import type { Image, Repository } from '../../src/snapshot/model.js';
import { ACCOUNT, DAY, NOW, REGION, digest, makeImage, makeRepository, makeSnapshot, makeUse } from '../support/builders.js';

const config = CleanupConfig.parse({ defaultRule: { keepMinImageCount: 0, keepImagesNewerThanDays: 7, untagged: { keepMinImageCount: 0 } } });
const api = makeRepository({ name: 'api' });
const web = makeRepository({ name: 'web' });
const at = (days: number) => NOW - days * DAY;
const image = (repository: Repository, seed: string, patch: Partial<Image> = {}) =>
  makeImage({ repository, seed: `${repository.name}-${seed}`, tags: [seed], pushedAt: at(30), ...patch });
const child = (repository: Repository, seed: string) => makeImage({ repository, seed: `${repository.name}-${seed}`, pushedAt: at(30) });
const select = (repository: Repository, i: Image): SelectedImage => ({ repository: repository.name, account: ACCOUNT, region: REGION, digest: i.digest });

// api: an index of two children (one also listed by a second index), an index of an index, a signed image.
const amd = child(api, 'amd');
const arm = child(api, 'arm');
const multi = image(api, 'multi', { kind: 'index', children: [amd.digest, arm.digest] });
const alsoArm = image(api, 'also-arm', { kind: 'index', children: [arm.digest] });
const inner = image(api, 'inner', { kind: 'index', children: [] });
const innerChild = child(api, 'inner-child');
const innerWithChild = { ...inner, children: [innerChild.digest] };
const outer = image(api, 'outer', { kind: 'index', children: [inner.digest] });
const signed = image(api, 'signed');
const sig = makeImage({ repository: api, seed: 'api-sig', kind: 'attestation', subjectDigest: signed.digest, pushedAt: at(29) });
const recent = image(api, 'recent', { pushedAt: at(1) });
// web: the same manifest as api's signed image (same digest), plain.
const webSigned = { ...image(web, 'signed'), digest: signed.digest };

const images = [amd, arm, multi, alsoArm, innerWithChild, innerChild, outer, signed, sig, recent, webSigned];
const plan = planCleanup(makeSnapshot({ repositories: [api, web], images }), config, NOW);

describe('approveSelection', () => {
  it('plans what this test relies on: everything old is deleted, the recent image kept', () => {
    const decisions = Object.fromEntries(plan.repositories.flatMap((r) => r.images.map((p) => [`${r.repository.name}:${p.image.tags[0] ?? p.image.digest.slice(7, 13)}`, p.decision])));
    expect(decisions['api:recent']).toBe('keep');
    expect(Object.entries(decisions).filter(([, d]) => d !== 'delete').map(([k]) => k)).toEqual(['api:recent']);
  });

  it('approves an index with its children, and counts each image once', () => {
    const approval = approveSelection(plan, [select(api, multi), select(api, amd), select(api, alsoArm), select(api, arm)]);
    expect(approval).toMatchObject({ ok: true, count: 4 });
    if (!approval.ok) throw new Error('refused');
    const approved = plan.repositories.flatMap((r) => r.images).filter(approval.approved).map((p) => p.image.digest);
    expect(approved.sort()).toEqual([multi, amd, alsoArm, arm].map((i) => i.digest).sort());
  });

  it('refuses a child listed by two indexes unless both are approved', () => {
    const one = approveSelection(plan, [select(api, multi), select(api, arm)]);
    expect(one).toEqual({ ok: false, issues: [{ path: 'images.1', message: expect.stringMatching(/^index sha256:\w+ lists sha256:\w+ and is not approved/) }] });
    expect(one.ok ? '' : one.issues[0]!.message).toContain(alsoArm.digest.slice(0, 19));
    expect(approveSelection(plan, [select(api, multi), select(api, alsoArm), select(api, arm)]).ok).toBe(true);
  });

  it('follows nested indexes one level at a time: an inner index needs its outer one, its child the inner one', () => {
    expect(approveSelection(plan, [select(api, inner)]).ok).toBe(false);
    expect(approveSelection(plan, [select(api, outer), select(api, inner)]).ok).toBe(true);
    const childAlone = approveSelection(plan, [select(api, outer), select(api, innerChild)]);
    expect(childAlone.ok ? [] : childAlone.issues.map((i) => i.path)).toEqual(['images.1']);
    expect(approveSelection(plan, [select(api, outer), select(api, inner), select(api, innerChild)]).ok).toBe(true);
  });

  it('refuses a referrer without its subject, and accepts the subject alone', () => {
    const alone = approveSelection(plan, [select(api, sig)]);
    expect(alone.ok ? '' : alone.issues[0]!.message).toMatch(/refers to .*which is not approved: approve its subject too/);
    expect(approveSelection(plan, [select(api, signed)]).ok).toBe(true);
    expect(approveSelection(plan, [select(api, signed), select(api, sig)]).ok).toBe(true);
  });

  it('keeps the same digest in two repositories apart: approving one approves only it', () => {
    const approval = approveSelection(plan, [select(web, webSigned)]);
    if (!approval.ok) throw new Error('refused');
    const approved = plan.repositories.flatMap((r) => r.images.filter(approval.approved).map(() => r.repository.name));
    expect(approved).toEqual(['web']);
  });

  it('refuses what the plan keeps, images not in it, repositories out of scope and duplicates, in request order', () => {
    const approval = approveSelection(plan, [
      { ...select(api, signed), digest: digest('nowhere') },
      select(api, recent),
      { ...select(api, signed), repository: 'other' },
      select(api, signed),
      select(api, signed),
    ]);
    expect(approval.ok ? [] : approval.issues).toEqual([
      { path: 'images.0', message: expect.stringContaining('is not in the plan') },
      { path: 'images.1', message: expect.stringMatching(/^the plan does not delete .* \(keep: kept: pushed 24 hours ago, within 7 days\)$/) },
      { path: 'images.2', message: `repository other (${ACCOUNT}, ${REGION}) is not in the plan's scope` },
      { path: 'images.4', message: 'names an image already approved' },
    ]);
  });

  it('lists at most 20 issues, and says how many more there are', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ ...select(api, signed), digest: digest(`missing-${i}`) }));
    const approval = approveSelection(plan, many);
    expect(approval.ok ? [] : approval.issues.map((i) => i.path)).toEqual([...Array.from({ length: 20 }, (_, i) => `images.${i}`), 'images']);
    expect(approval.ok ? '' : approval.issues.at(-1)!.message).toBe('and 5 more issues');
  });
});

describe('selectionChanges', () => {
  it('says what a later plan decides for approved images it no longer deletes, in request order', () => {
    const used = makeUse({ reference: `${api.uri}@${signed.digest}`, cluster: 'prod', task: 'task/a1b2c3' });
    const later = planCleanup(makeSnapshot({ repositories: [api, web], images: images.filter((i) => i !== amd), uses: [used] }), config, NOW);
    const changes = selectionChanges(later, [select(api, multi), select(api, signed), select(api, amd), select(web, webSigned), select(api, signed)]);
    expect(changes.unchanged).toBe(2); // multi (its children changed, not it) and web's copy
    expect(changes.changed.map((c) => [c.repository, c.digest === signed.digest ? 'signed' : 'amd', c.decision])).toEqual([
      ['api', 'signed', 'keep'],
      ['api', 'amd', 'gone'],
    ]);
    expect(changes.changed[0]!.reasons[0]!.code).toBe('in-use');
  });
});
