/**
 * Blob (layer and config) digests as the snapshot keeps them. Blobs are only compared and summed, never
 * shown, and a million images hold about two million of them: a sha256 digest is kept as its 32 bytes in a
 * one-byte string (48 bytes of heap instead of 88). Other digests are kept as given; they cannot collide,
 * since any other valid digest is longer than 32 characters.
 */
const SHA256 = /^sha256:[0-9a-f]{64}$/;

/** A blob digest as the snapshot keeps it; only blobKey makes one, so a plain digest cannot be mistaken for it. */
export type BlobKey = string & { readonly __blobKey: unique symbol };

export function blobKey(digest: string): BlobKey {
  return (SHA256.test(digest) ? Buffer.from(digest.slice(7), 'hex').toString('latin1') : digest) as BlobKey;
}

/** The digest a blob key stands for. */
export function blobDigest(key: BlobKey): string {
  return key.length === 32 ? `sha256:${Buffer.from(key, 'latin1').toString('hex')}` : key;
}
