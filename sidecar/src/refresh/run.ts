/** The state of one refresh: made anew by each refresh (or uses-only refresh), shared by the registries it reads, dropped after. */
import { BlobTableBuilder } from '../snapshot/blob-table.js';
import type { Snapshot } from '../snapshot/model.js';
import type { CachedManifest } from './assemble-image.js';
import type { Seen } from './caches.js';

/** Findings the snapshot may still take: one budget (from SNAPSHOT_FINDINGS_MAX) shared by a refresh's registries. */
export interface FindingsBudget {
  left: number;
}

/**
 * Blob sizes as a refresh gathers them: only those the previous snapshot's map lacks or holds differently,
 * so that a steady-state refresh does not build a second map of millions of entries (see snapshotLayerSizesSteps).
 */
export interface BlobSizes {
  /** A table (not a Map keyed by blob): the first refresh gathers every blob, each looked up per layer reference. */
  readonly changed: BlobTableBuilder;
  /** An image of the previous snapshot is gone, so some of its blobs may be too. */
  imageGone: boolean;
}

export interface RefreshRun {
  /** When the refresh started (epoch ms): the time its reads are as of. */
  readonly startedAt: number;
  /** The snapshot it refreshes; undefined on the first refresh. */
  readonly previous: Snapshot | undefined;
  /** What it touched, so the caches can drop the rest. */
  readonly seen: Seen;
  readonly findingsBudget: FindingsBudget;
  /** Blob sizes gathered by this refresh: shared by its registries (blobs are content-addressed). */
  readonly layerSizes: BlobSizes;
  /**
   * Plain manifests fetched by this refresh (the caches keep only the others), so a digest in several
   * repositories is fetched once.
   */
  readonly plainManifests: Map<string, CachedManifest>;
}

export function startRefreshRun(startedAt: number, previous: Snapshot | undefined, findingsMax: number): RefreshRun {
  return {
    startedAt,
    previous,
    seen: { manifests: new Set(), scans: new Set(), taskDefinitions: new Set() },
    findingsBudget: { left: findingsMax },
    layerSizes: { changed: new BlobTableBuilder(), imageGone: false },
    plainManifests: new Map(),
  };
}
