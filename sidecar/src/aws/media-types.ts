/** The manifest media types ECR stores: what BatchGetImage is asked to return as stored, and how kinds are told apart. */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);
/** Every manifest type BatchGetImage should return as stored (no conversion). */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = [...MANIFEST_MEDIA_TYPES, ...INDEX_MEDIA_TYPES];
