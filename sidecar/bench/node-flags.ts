/**
 * The V8 heap cap the sidecar's container runs with (sidecar/Dockerfile sets NODE_OPTIONS to it): about
 * 1,000,000 images, their cleanup plan and /metrics text fit under it, within 1.5 GB of RSS. The benchmarks
 * run the sidecar with the same flags; test/provisioning checks that the Dockerfile agrees.
 */
export const SIDECAR_NODE_FLAGS = ['--max-old-space-size=1152'] as const;

/**
 * V8 flags Node does not take from NODE_OPTIONS, so the Dockerfile's CMD gives them. Without allocation-site
 * pretenuring: V8 learns from the first refresh, whose objects live, to make some kinds of object straight in the
 * old generation, and goes on when they are garbage (a steady refresh's parsed pages, a request's rows); at
 * 1,000,000 images under load that garbage meant a full collection of the whole heap every 30 s (docs/reliability.md).
 * Without the memory reducer: it starts a compacting full collection of the whole heap when the sidecar seems idle
 * (under load, between refreshes), to give memory back; RSS stays about 50 MiB higher after a load instead.
 */
export const SIDECAR_V8_FLAGS = ['--no-allocation-site-pretenuring', '--no-memory-reducer'] as const;

/** Every flag the sidecar's container runs Node with, as the benchmarks run it. */
export const SIDECAR_FLAGS: readonly string[] = [...SIDECAR_NODE_FLAGS, ...SIDECAR_V8_FLAGS];
