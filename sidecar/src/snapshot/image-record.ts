/**
 * How a snapshot's image is laid out in memory. An object literal whose optional fields are spread in gets room
 * for the fields before the first spread only; the rest go to a second, out-of-object array (about 40 B and one
 * more object per image: 40 MB and a million objects for the collector to mark at 1,000,000 images). A class
 * instance gets room for every field its constructor may set, so all of them stay in the object.
 *
 * Same own fields, in the same order, as the literal it is made from: JSON, Object.keys and sameImage see no
 * difference.
 */
import type { BlobList } from './blob-key.js';
import type { Image, ImageKind, ImageStatus, ScanResult } from './model.js';

class ImageRecord implements Image {
  declare readonly repositoryId: string;
  declare readonly digest: string;
  declare readonly tags: readonly string[];
  declare readonly kind: ImageKind;
  declare readonly manifestMediaType?: string;
  declare readonly artifactMediaType?: string;
  declare readonly pushedAt: number;
  declare readonly pushedAtUnknown?: true;
  declare readonly lastPulledAt?: number;
  declare readonly sizeBytes?: number;
  declare readonly status: ImageStatus;
  declare readonly lastArchivedAt?: number;
  declare readonly lastActivatedAt?: number;
  declare readonly subjectDigest?: string;
  declare readonly children: readonly string[];
  declare readonly layers?: BlobList;
  declare readonly scan: ScanResult;

  // Every field is assigned here, optional ones only when present: V8 sizes the object for all of them.
  constructor(image: Image) {
    this.repositoryId = image.repositoryId;
    this.digest = image.digest;
    this.tags = image.tags;
    this.kind = image.kind;
    if (image.manifestMediaType !== undefined) this.manifestMediaType = image.manifestMediaType;
    if (image.artifactMediaType !== undefined) this.artifactMediaType = image.artifactMediaType;
    this.pushedAt = image.pushedAt;
    if (image.pushedAtUnknown !== undefined) this.pushedAtUnknown = image.pushedAtUnknown;
    if (image.lastPulledAt !== undefined) this.lastPulledAt = image.lastPulledAt;
    if (image.sizeBytes !== undefined) this.sizeBytes = image.sizeBytes;
    this.status = image.status;
    if (image.lastArchivedAt !== undefined) this.lastArchivedAt = image.lastArchivedAt;
    if (image.lastActivatedAt !== undefined) this.lastActivatedAt = image.lastActivatedAt;
    if (image.subjectDigest !== undefined) this.subjectDigest = image.subjectDigest;
    this.children = image.children;
    if (image.layers !== undefined) this.layers = image.layers;
    this.scan = image.scan;
  }
}

// The fields the constructor copies: a field added to Image and not copied there fails to compile here (`declare`
// fields are not checked for assignment).
type Copied =
  | 'repositoryId' | 'digest' | 'tags' | 'kind' | 'manifestMediaType' | 'artifactMediaType' | 'pushedAt' | 'pushedAtUnknown'
  | 'lastPulledAt' | 'sizeBytes' | 'status' | 'lastArchivedAt' | 'lastActivatedAt' | 'subjectDigest' | 'children' | 'layers' | 'scan';
export const EVERY_FIELD_COPIED: [Exclude<keyof Image, Copied>] extends [never] ? true : never = true;

/** The image as a snapshot keeps it: every field within the object. */
export const imageRecord = (image: Image): Image => new ImageRecord(image);
