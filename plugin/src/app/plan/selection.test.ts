import type { CleanupPlan, PlannedImage, PlannedRepository } from '@ecr-lens/contract';

import {
  approvalKey,
  approvedBytes,
  approvedImages,
  imageKey,
  imagesByRepository,
  repositoryApproval,
  families,
  follows,
  setImage,
  setRepository,
  stillDeleted,
  visibleRepositories,
} from './selection';

const image = (
  repository: string,
  digest: string,
  decision: PlannedImage['decision'],
  reclaimableBytes: number | null = 10,
  links: Partial<Pick<PlannedImage, 'children' | 'subject'>> = {}
): PlannedImage => ({
  repository,
  account: '111111111111',
  region: 'us-east-1',
  digest,
  tags: [],
  kind: 'image',
  children: links.children ?? [],
  subject: links.subject ?? null,
  pushedAt: null,
  decision,
  reasons: [],
  inUse: false,
  sizeBytes: reclaimableBytes,
  reclaimableBytes,
  monthlyUsd: null,
});

const planOf = (images: PlannedImage[], planId = 'a'.repeat(64)): CleanupPlan => ({
  planId,
  generatedAt: '2026-12-05T00:00:00.000Z',
  snapshotVersion: 1,
  notices: [],
  summary: {
    images: 0,
    delete: 0,
    keep: 0,
    blocked: 0,
    inUse: 0,
    deleteSizeBytes: 0,
    reclaimableBytes: 0,
    monthlyUsd: 0,
    reclaimableUnknown: 0,
  },
  repositories: [],
  images,
  totalImages: images.length,
});

const api1 = image('api', 'sha256:1', 'delete', 100);
const api2 = image('api', 'sha256:2', 'keep');
const api3 = image('api', 'sha256:3', 'delete', null);
const web1 = image('web', 'sha256:1', 'delete', 7);
const plan = planOf([api1, api2, api3, web1]);
const noFamilies = families(plan);

describe('approving a plan', () => {
  it('groups images by repository, in the plan order, and keys the same digest apart per repository', () => {
    const groups = imagesByRepository(plan);
    expect([...groups.keys()]).toEqual(['111111111111/us-east-1/api', '111111111111/us-east-1/web']);
    expect(groups.get('111111111111/us-east-1/api')).toEqual([api1, api2, api3]);
    expect(imageKey(api1)).not.toBe(imageKey(web1));
  });

  it('approves a whole repository as the images it deletes, and withdraws it again', () => {
    const images = imagesByRepository(plan).get('111111111111/us-east-1/api');
    const all = setRepository(new Set(), images, true);
    expect([...all]).toEqual([imageKey(api1), imageKey(api3)]);
    expect(repositoryApproval(images, all)).toBe('all');
    expect(repositoryApproval(images, setImage(all, api1, false, noFamilies))).toBe('some');
    expect(repositoryApproval(images, setRepository(all, images, false))).toBe('none');
  });

  it('never approves an image the plan keeps', () => {
    expect(setImage(new Set(), api2, true, noFamilies).size).toBe(0);
  });

  it('sends exactly the approved images, in plan order, and sums what they free', () => {
    const selected = new Set([imageKey(web1), imageKey(api1)]);
    expect(approvedImages(plan, selected)).toEqual([
      { repository: 'api', account: '111111111111', region: 'us-east-1', digest: 'sha256:1' },
      { repository: 'web', account: '111111111111', region: 'us-east-1', digest: 'sha256:1' },
    ]);
    expect(approvedBytes(plan, selected)).toBe(107);
  });

  it('ties a preview to its plan and its exact selection', () => {
    const one = approvedImages(plan, new Set([imageKey(api1)]));
    const two = approvedImages(plan, new Set([imageKey(api1), imageKey(api3)]));
    expect(approvalKey(plan.planId, one)).not.toBe(approvalKey(plan.planId, two));
    expect(approvalKey(plan.planId, one)).not.toBe(approvalKey('b'.repeat(64), one));
    expect(approvalKey(plan.planId, one)).toBe(approvalKey(plan.planId, [...one]));
  });

  it('after the plan changed, keeps only the approvals the new plan still deletes', () => {
    const selected = new Set([imageKey(api1), imageKey(api3), imageKey(web1)]);
    const changed = planOf([{ ...api1, decision: 'keep' }, api3], 'c'.repeat(64));
    expect([...stillDeleted(changed, selected)]).toEqual([imageKey(api3)]);
  });
});

describe('families: what goes with what', () => {
  // idx lists amd and arm; also lists arm too; sig refers to idx; nested: outer lists inner, inner lists leaf.
  const amd = image('api', 'sha256:amd', 'delete');
  const arm = image('api', 'sha256:arm', 'delete');
  const idx = image('api', 'sha256:idx', 'delete', 10, { children: ['sha256:amd', 'sha256:arm'] });
  const also = image('api', 'sha256:also', 'delete', 10, { children: ['sha256:arm'] });
  const sig = image('api', 'sha256:sig', 'delete', 10, { subject: 'sha256:idx' });
  const leaf = image('api', 'sha256:leaf', 'delete');
  const inner = image('api', 'sha256:inner', 'delete', 10, { children: ['sha256:leaf'] });
  const outer = image('api', 'sha256:outer', 'delete', 10, { children: ['sha256:inner'] });
  const keptChild = image('api', 'sha256:kept-child', 'keep');
  const withKept = image('api', 'sha256:with-kept', 'delete', 10, { children: ['sha256:kept-child'] });
  // The same digest in another repository is not a child of api's index.
  const webAmd = image('web', 'sha256:amd', 'delete');
  const fam = planOf([amd, arm, idx, also, sig, leaf, inner, outer, keptChild, withKept, webAmd]);
  const f = families(fam);
  const keys = (set: ReadonlySet<string>) => [...set].map((k) => k.replace('111111111111/us-east-1/', '')).sort();

  it('approves an index with its children and its referrers, and a child listed twice only with both indexes', () => {
    const one = setImage(new Set(), idx, true, f);
    expect(keys(one)).toEqual(['api@sha256:amd', 'api@sha256:idx', 'api@sha256:sig']);
    const both = setImage(one, also, true, f);
    expect(keys(both)).toEqual([
      'api@sha256:also',
      'api@sha256:amd',
      'api@sha256:arm',
      'api@sha256:idx',
      'api@sha256:sig',
    ]);
  });

  it('follows nested indexes, and never approves a child the plan keeps', () => {
    expect(keys(setImage(new Set(), outer, true, f))).toEqual([
      'api@sha256:inner',
      'api@sha256:leaf',
      'api@sha256:outer',
    ]);
    expect(keys(setImage(new Set(), withKept, true, f))).toEqual(['api@sha256:with-kept']);
  });

  it('withdraws an image with everything that went with it', () => {
    const all = setImage(setImage(new Set(), idx, true, f), also, true, f);
    expect(keys(setImage(all, idx, false, f))).toEqual(['api@sha256:also']);
    expect(keys(setImage(setImage(new Set(), outer, true, f), inner, false, f))).toEqual(['api@sha256:outer']);
  });

  it('marks children and referrers as going with another image, and keeps repositories apart', () => {
    expect([amd, arm, sig, inner, leaf].map((i) => follows(f, i))).toEqual([true, true, true, true, true]);
    expect([idx, also, outer, withKept, webAmd].map((i) => follows(f, i))).toEqual([false, false, false, false, false]);
    expect(keys(setImage(new Set(), idx, true, f))).not.toContain('web@sha256:amd');
    // A referrer whose subject is not in the listed part of the plan is still never approved alone.
    expect(follows(f, image('api', 'sha256:orphan-sig', 'delete', 10, { subject: 'sha256:not-listed' }))).toBe(true);
  });
});

describe('which repositories the page lists', () => {
  const repo = (repository: string, status: PlannedRepository['status'], toDelete: number): PlannedRepository => ({
    repository,
    account: '111111111111',
    region: 'us-east-1',
    rule: '**',
    status,
    blockedReasons: [],
    summary: { ...planOf([]).summary, delete: toDelete },
  });
  const repos = [
    repo('team-a/api', 'ok', 3),
    repo('team-a/web', 'blocked', 0),
    repo('team-b/api', 'ok', 0),
    repo('Team-C/Batch', 'ok', 1),
  ];
  const names = (v: { shown: PlannedRepository[] }) => v.shown.map((r) => r.repository);

  it('filters by a plain substring of account/region/name, whatever the case, and by kind', () => {
    expect(names(visibleRepositories(repos, 'API', 'all'))).toEqual(['team-a/api', 'team-b/api']);
    expect(names(visibleRepositories(repos, 'us-east-1/team-c', 'all'))).toEqual(['Team-C/Batch']);
    expect(names(visibleRepositories(repos, '', 'delete'))).toEqual(['team-a/api', 'Team-C/Batch']);
    expect(names(visibleRepositories(repos, 'team-a', 'blocked'))).toEqual(['team-a/web']);
    // Pattern characters are plain text: nothing matches them.
    expect(visibleRepositories(repos, '.*', 'all').matched).toBe(0);
  });

  it('draws at most the limit, and says how many matched', () => {
    expect(visibleRepositories(repos, '', 'all', 2)).toEqual({ shown: repos.slice(0, 2), matched: 4 });
  });
});
