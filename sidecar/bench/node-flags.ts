/**
 * The V8 heap cap the sidecar's container runs with (sidecar/Dockerfile sets NODE_OPTIONS to it): about
 * 1,000,000 images, their cleanup plan and /metrics text fit under it, within 1.5 GB of RSS. The benchmarks
 * run the sidecar with the same flags; test/provisioning checks that the Dockerfile agrees.
 */
export const SIDECAR_NODE_FLAGS = ['--max-old-space-size=1152'] as const;
