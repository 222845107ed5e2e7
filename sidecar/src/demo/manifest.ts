/** Renders real manifest JSON (schemaVersion 2) for an image, consistent with its imageSizeInBytes. */
import type { FixtureBlob, FixtureImage } from './fixture.js';
import { MEDIA_TYPES } from './fixture.js';
import { effectiveConfig, isIndex } from './store.js';

const isDocker = (img: FixtureImage): boolean => img.mediaType.startsWith('application/vnd.docker.');

/** The config media type reported as artifactMediaType and written into the manifest. */
export function configMediaType(img: FixtureImage): string {
  if (img.config?.mediaType) return img.config.mediaType;
  if (!img.config) return MEDIA_TYPES.ociEmpty;
  return isDocker(img) ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig;
}

const descriptor = (blob: FixtureBlob, defaultType: string): Record<string, unknown> => ({
  mediaType: blob.mediaType ?? defaultType,
  size: blob.size,
  digest: blob.digest,
});

/** Looks up another image of the same repository (index children, referrer subjects). */
export type ImageLookup = (digest: string) => FixtureImage | undefined;

export function renderManifest(img: FixtureImage, lookup: ImageLookup): string {
  if (isIndex(img)) {
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: img.mediaType,
      manifests: (img.children ?? []).map((child) => {
        const target = lookup(child.digest);
        return {
          mediaType: target?.mediaType ?? MEDIA_TYPES.ociManifest,
          digest: child.digest,
          size: target ? Buffer.byteLength(renderManifest(target, lookup)) : 0,
          ...(child.platform ? { platform: child.platform } : {}),
          ...(child.annotations ? { annotations: child.annotations } : {}),
        };
      }),
      ...(img.annotations ? { annotations: img.annotations } : {}),
    });
  }
  const layerType = isDocker(img) ? MEDIA_TYPES.dockerLayer : MEDIA_TYPES.ociLayer;
  const subject = img.subject ? lookup(img.subject) : undefined;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: img.mediaType,
    ...(img.artifactType ? { artifactType: img.artifactType } : {}),
    config: { ...descriptor(effectiveConfig(img), configMediaType(img)), mediaType: configMediaType(img) },
    layers: (img.layers ?? []).map((layer) => descriptor(layer, layerType)),
    ...(img.subject
      ? {
          subject: {
            mediaType: subject?.mediaType ?? MEDIA_TYPES.ociManifest,
            digest: img.subject,
            size: subject ? Buffer.byteLength(renderManifest(subject, lookup)) : 0,
          },
        }
      : {}),
    ...(img.annotations ? { annotations: img.annotations } : {}),
  });
}
