/** ECR's image operations: DescribeImages, ListImages, BatchGetImage and BatchDeleteImage. */
import { z } from 'zod';
import type { FixtureImage } from './fixture.js';
import { configMediaType, renderManifest } from './manifest.js';
import { decodeToken, encodeToken, pageOf, parseInput, rejectPagingWithIds } from './request.js';
import type { ImageRecord, RepositoryState } from './store.js';
import { isIndex } from './store.js';
import type { Handler, ImageId } from './ecr-shared.js';
import {
  DIGEST,
  findImage,
  imageIds,
  imageNotFound,
  imageStatus,
  maxResults,
  nextToken,
  repositoryOf,
  repoInput,
  tagStatus,
} from './ecr-shared.js';
import { scanStatus, severityCounts } from './ecr-scans.js';
import { imageActions } from './events.js';

function imageDetail(repo: RepositoryState, rec: ImageRecord): Record<string, unknown> {
  const img = rec.img;
  const d: Record<string, unknown> = {
    registryId: repo.registry.accountId,
    repositoryName: repo.name,
    imageDigest: img.digest,
  };
  if (rec.tags) d.imageTags = [...rec.tags];
  if (img.sizeReported !== false) d.imageSizeInBytes = rec.size;
  if (img.pushedAtReported !== false) d.imagePushedAt = img.pushedAt;
  const scan = img.scan;
  // Enhanced: status ACTIVE, no summary. AWS-native basic scanning: neither (DescribeImageScanFindings has them).
  if (scan && !(scan.type === 'BASIC' && repo.registry.basicScanTypeVersion === 'AWS_NATIVE')) {
    d.imageScanStatus = scanStatus(scan);
    if (scan.type === 'BASIC' && scan.status === 'COMPLETE') {
      d.imageScanFindingsSummary = {
        ...(scan.completedAt !== undefined ? { imageScanCompletedAt: scan.completedAt } : {}),
        ...(scan.vulnerabilitySourceUpdatedAt !== undefined
          ? { vulnerabilitySourceUpdatedAt: scan.vulnerabilitySourceUpdatedAt }
          : {}),
        findingSeverityCounts: severityCounts(scan),
      };
    }
  }
  d.imageManifestMediaType = img.mediaType;
  if (!isIndex(img)) d.artifactMediaType = img.artifactType ?? configMediaType(img);
  if (img.lastPulledAt !== undefined) d.lastRecordedPullTime = img.lastPulledAt;
  if (img.subject) d.subjectManifestDigest = img.subject;
  d.imageStatus = rec.status;
  if (rec.lastArchivedAt !== undefined) d.lastArchivedAt = rec.lastArchivedAt;
  if (img.lastActivatedAt !== undefined) d.lastActivatedAt = img.lastActivatedAt;
  return d;
}

function matchesFilter(rec: ImageRecord, filter: { tagStatus?: string; imageStatus?: string } | undefined): boolean {
  const tagStatus = filter?.tagStatus ?? 'ANY';
  if (tagStatus === 'TAGGED' && !rec.tags) return false;
  if (tagStatus === 'UNTAGGED' && rec.tags) return false;
  const status = filter?.imageStatus ?? 'ACTIVE';
  return status === 'ANY' || rec.status === status;
}

export const describeImages: Handler = (store, body, ctx) => {
  const input = parseInput(
    repoInput.extend({
      imageIds: imageIds.optional(),
      nextToken,
      maxResults,
      filter: z.object({ tagStatus, imageStatus }).optional(),
    }),
    body,
  );
  const repo = repositoryOf(store, ctx, input);
  if (input.imageIds) {
    rejectPagingWithIds(true, input, 'imageIds');
    const seen = new Set<ImageRecord>();
    const details: Record<string, unknown>[] = [];
    for (const id of input.imageIds) {
      const rec = findImage(repo, id);
      if (!rec) throw imageNotFound(repo, id);
      if (!seen.has(rec)) details.push(imageDetail(repo, rec));
      seen.add(rec);
    }
    return { imageDetails: details };
  }
  const page = pageOf(
    `DescribeImages/${repo.arn}`,
    ctx,
    repo.images,
    input.nextToken,
    input.maxResults ?? 100,
    (rec) => (matchesFilter(rec, input.filter) ? imageDetail(repo, rec) : undefined),
  );
  return { imageDetails: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

export const listImages: Handler = (store, body, ctx) => {
  const input = parseInput(
    repoInput.extend({ nextToken, maxResults, filter: z.object({ tagStatus, imageStatus }).optional() }),
    body,
  );
  const repo = repositoryOf(store, ctx, input);
  const scope = `ListImages/${repo.arn}`;
  const cursor = decodeToken(scope, input.nextToken);
  ctx.onPage(cursor.page);
  const limit = input.maxResults ?? 100;
  const ids: Record<string, string>[] = [];
  let pos = cursor.pos;
  let sub = cursor.sub;
  // One entry per tag; untagged images as digest-only entries.
  for (; pos < repo.images.length; pos++, sub = 0) {
    const rec = repo.images[pos];
    if (!rec || !matchesFilter(rec, input.filter)) continue;
    if (!rec.tags) {
      if (ids.length === limit) break;
      ids.push({ imageDigest: rec.img.digest });
      continue;
    }
    for (; sub < rec.tags.length && ids.length < limit; sub++)
      ids.push({ imageDigest: rec.img.digest, imageTag: rec.tags[sub]! });
    if (sub < rec.tags.length) break;
  }
  let more = false;
  for (let k = pos; k < repo.images.length && !more; k++) {
    const rec = repo.images[k];
    if (rec && matchesFilter(rec, input.filter) && (k > pos || !rec.tags || sub < rec.tags.length)) more = true;
  }
  return { imageIds: ids, ...(more ? { nextToken: encodeToken(scope, { page: cursor.page + 1, pos, sub }) } : {}) };
};

export const batchGetImage: Handler = (store, body, ctx) => {
  const input = parseInput(
    repoInput.extend({ imageIds, acceptedMediaTypes: z.array(z.string()).min(1).max(100).optional() }),
    body,
  );
  const repo = repositoryOf(store, ctx, input);
  const lookup = (digest: string): FixtureImage | undefined => repo.byDigest.get(digest)?.img;
  const images: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const id of input.imageIds) {
    const found = resolveImageId(repo, id);
    if ('failureCode' in found) {
      failures.push({ imageId: id, ...found });
      continue;
    }
    const { rec } = found;
    images.push({
      registryId: repo.registry.accountId,
      repositoryName: repo.name,
      imageId: { imageDigest: rec.img.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
      imageManifest: renderManifest(rec.img, lookup),
      imageManifestMediaType: rec.img.mediaType,
    });
  }
  return { images, failures };
};

function idFailure(id: ImageId): { failureCode: string; failureReason: string } | undefined {
  if (id.imageDigest === undefined && id.imageTag === undefined)
    return {
      failureCode: 'MissingDigestAndTag',
      failureReason: 'Invalid request parameters: both tag and digest cannot be null',
    };
  if (id.imageDigest !== undefined && !DIGEST.test(id.imageDigest))
    return {
      failureCode: 'InvalidImageDigest',
      failureReason:
        "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
    };
  return undefined;
}

/** The image an id of a batch call names, or the per-id failure ECR reports for it. */
function resolveImageId(
  repo: RepositoryState,
  id: ImageId,
): { rec: ImageRecord } | { failureCode: string; failureReason: string } {
  const failure = idFailure(id);
  if (failure) return failure;
  const rec = findImage(repo, id);
  if (rec) return { rec };
  const tagged = id.imageTag !== undefined ? repo.byTag.get(id.imageTag) : undefined;
  return tagged && id.imageDigest !== undefined
    ? { failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid image tag for digest' }
    : { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
}

export const batchDeleteImage: Handler = (store, body, ctx) => {
  const input = parseInput(repoInput.extend({ imageIds }), body);
  const repo = repositoryOf(store, ctx, input);
  const origin = { accountId: repo.registry.accountId, region: repo.registry.region };
  const deleted: Record<string, string>[] = [];
  const failures: Record<string, unknown>[] = [];
  const injected = store.controls.fault('ecr:BatchDeleteImage')?.deleteFailures;
  // An index deleted in the same request no longer protects its children.
  const goingByDigest = new Set(
    input.imageIds.filter((id) => id.imageTag === undefined && id.imageDigest).map((id) => id.imageDigest!),
  );
  for (const id of input.imageIds) {
    const found = resolveImageId(repo, id);
    if ('failureCode' in found) {
      failures.push({ imageId: id, ...found });
      continue;
    }
    const { rec } = found;
    const digest = rec.img.digest;
    if (injected && digest.includes(injected.match)) {
      failures.push({ imageId: id, failureCode: injected.failureCode, failureReason: injected.failureReason });
      continue;
    }
    const lastTag = id.imageTag !== undefined && rec.tags?.length === 1;
    const deletesImage = id.imageTag === undefined || lastTag;
    if (deletesImage) {
      const parents = repo.referencingIndexes(digest).filter((d) => !goingByDigest.has(d));
      if (parents.length > 0) {
        failures.push({
          imageId: id,
          failureCode: 'ImageReferencedByManifestList',
          failureReason: `Requested image referenced by manifest list: [${parents.join(', ')}]`,
        });
        continue;
      }
    }
    if (id.imageTag !== undefined && !lastTag) {
      // Removing one of several tags leaves the image.
      repo.setTags(
        rec,
        rec.tags!.filter((t) => t !== id.imageTag),
      );
      deleted.push({ imageDigest: digest, imageTag: id.imageTag });
      imageActions(store.events, origin, repo.name, digest, 'DELETE', [id.imageTag]);
      continue;
    }
    if (rec.tags) for (const tag of rec.tags) deleted.push({ imageDigest: digest, imageTag: tag });
    else deleted.push({ imageDigest: digest });
    imageActions(store.events, origin, repo.name, digest, 'DELETE', rec.tags);
    repo.remove(rec);
  }
  return { imageIds: deleted, failures };
};
