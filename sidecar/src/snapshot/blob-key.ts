/**
 * Blob (layer and config) digests as the snapshot keeps them. Blobs are only compared and summed for sizes (never
 * shown, never what decides a deletion), and a million images hold about two million of them, each listed by every
 * image that shares it. A sha256 digest is kept as its first 16 bytes in a one-byte string: two blobs collide by
 * chance with odds of about 2^-86 among two million, and on purpose only with 2^64 work, for a wrong size estimate.
 * Any other digest (ECR uses sha256, but a manifest may say otherwise) is a hash of its text keyed with a secret of
 * this process, also 16 bytes, so no pushed blob can be made to collide with it; keys never leave memory.
 *
 * An image's blobs are one string: their keys end to end (BlobList). An array of keys was two objects for the list
 * and one per key for the collector to mark, and the keys of a million images, each its own string, were a third of
 * the snapshot's objects; their sizes live outside the heap (blob-table.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A blob digest as the snapshot keeps it: BLOB_KEY_CHARS one-byte characters. Only blobKey makes one. */
export type BlobKey = string & { readonly __blobKey: unique symbol };

export const BLOB_KEY_CHARS = 16;

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const OTHER_DIGEST_KEY = randomBytes(32);

export function blobKey(digest: string): BlobKey {
  const bytes = SHA256.test(digest)
    ? Buffer.from(digest.slice(7, 7 + 2 * BLOB_KEY_CHARS), 'hex')
    : createHmac('sha256', OTHER_DIGEST_KEY).update(digest).digest().subarray(0, BLOB_KEY_CHARS);
  return bytes.toString('latin1') as BlobKey;
}

/**
 * A manifest's blobs in order, as one string of their keys. Opaque, so that no string method (a length counting
 * characters, not blobs) can be used on it by mistake: read it with blobCount and blobAt.
 */
export type BlobList = { readonly __blobList: unique symbol };

const text = (list: BlobList): string => list as unknown as string;

// Every list starts with this character, so that no list is the empty string: an empty list is true in a
// condition, as an empty array was (an image whose manifest lists no blob has layers, just none).
const START = '\u0001';

/** The list of these keys, in this order. */
export function blobList(keys: readonly BlobKey[]): BlobList {
  // join makes one flat string: a string built by + would be a tree of one object per key.
  return [START, ...keys].join('') as unknown as BlobList;
}

export const NO_BLOBS: BlobList = blobList([]);

export function blobCount(list: BlobList): number {
  return (text(list).length - START.length) / BLOB_KEY_CHARS;
}

/**
 * The key of the list's i-th blob (a view into the list's string, not a copy). A Map keyed by such views hashes each
 * one anew and compares it through the runtime: hot loops look blobs up by place instead (BlobIndex, blob-table.ts).
 */
export function blobAt(list: BlobList, i: number): BlobKey {
  const from = blobOffset(i);
  return text(list).slice(from, from + BLOB_KEY_CHARS) as BlobKey;
}

/** The list's text and where its i-th key starts in it: for blob-table.ts, which reads keys in place (no slice made). */
export function blobListText(list: BlobList): string {
  return text(list);
}

export function blobOffset(i: number): number {
  return START.length + i * BLOB_KEY_CHARS;
}

/** The keys, in order: for tests and small lists (hot loops look blobs up by place: BlobIndex). */
export function blobKeys(list: BlobList): BlobKey[] {
  const keys: BlobKey[] = [];
  for (let i = 0; i < blobCount(list); i++) keys.push(blobAt(list, i));
  return keys;
}
