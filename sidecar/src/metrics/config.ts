import { z } from 'zod';
import { envDecimal } from '../env-number.js';

/** `true`/`false` (also 1/0, yes/no) from an environment string. */
const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE'])
  .transform((value) => ['true', '1', 'yes', 'TRUE'].includes(value));

const envInt = (min: number) => envDecimal().pipe(z.number().int().min(min));

/** Settings of `GET /metrics`, read from the environment. */
export const MetricsConfig = z.object({
  /** Bearer token for /metrics only; unset means no auth on /metrics. */
  METRICS_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Per-image families (the Python exporter's set). */
  METRICS_IMAGE_SERIES: envBoolean.default(true),
  /** Above this many per-image series the per-image families are switched off. */
  METRICS_IMAGE_SERIES_CAP: envInt(0).default(50_000),
  /** The Go exporter's gauges whose names end in `_total` (promtool flags them). */
  METRICS_COMPAT_GO: envBoolean.default(true),
  /** ECR's images-per-repository quota (100,000 by default, adjustable per account). */
  METRICS_IMAGES_PER_REPOSITORY_QUOTA: envInt(1).default(100_000),
});
export type MetricsConfig = z.infer<typeof MetricsConfig>;

export const METRICS_ENV_KEYS = Object.keys(MetricsConfig.shape) as readonly (keyof MetricsConfig)[];

export const defaultMetricsConfig = (): MetricsConfig => MetricsConfig.parse({});

/** Reads the metrics settings; a bad value throws an error that names the variable. */
export function metricsConfigFromEnv(env: Readonly<Record<string, string | undefined>>): MetricsConfig {
  const picked: Record<string, string> = {};
  for (const key of METRICS_ENV_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = MetricsConfig.safeParse(picked);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'METRICS');
  throw new Error(`Invalid environment variable ${name}: ${issue.message}`);
}
