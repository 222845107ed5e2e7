import type { CleanupPlan, PlannedImage } from '@ecr-lens/contract';

import {
  approvalKey,
  approvedBytes,
  approvedImages,
  imageKey,
  imagesByRepository,
  repositoryApproval,
  setImage,
  setRepository,
  stillDeleted,
} from './selection';

const image = (
  repository: string,
  digest: string,
  decision: PlannedImage['decision'],
  reclaimableBytes: number | null = 10
): PlannedImage => ({
  repository,
  account: '111111111111',
  region: 'us-east-1',
  digest,
  tags: [],
  kind: 'image',
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
    expect(repositoryApproval(images, setImage(all, api1, false))).toBe('some');
    expect(repositoryApproval(images, setRepository(all, images, false))).toBe('none');
  });

  it('never approves an image the plan keeps', () => {
    expect(setImage(new Set(), api2, true).size).toBe(0);
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
