/**
 * Cleanup configuration: per-repository keep rules (first match wins), in-use windows and the
 * execution guard. Composed by the sidecar's config under the YAML key `cleanup`; environment
 * variables supply the defaults the seed cleanup scripts used.
 */
import { z } from 'zod';
import { parseDecimal } from '../../env-number.js';
import type { UseRetention } from '../../snapshot/use-windows.js';

/** The seed scripts' defaults (uktrade/ecr_maintainer). */
export const SEED_DEFAULTS = { keepMinImageCount: 3, keepImagesNewerThanDays: 7 } as const;

export interface CleanupDefaults {
  readonly keepMinImageCount: number;
  readonly keepImagesNewerThanDays: number;
  readonly keepIfUsedWithinDays: number;
  readonly stoppedTaskWindowHours: number;
  readonly taskDefinitionRevisions: number;
  readonly deleteEnabled: boolean;
  readonly maxDeletionsPerRun: number;
  /** A JSON-lines copy of the audit, besides the store; none by default. */
  readonly auditLogPath?: string;
}

export const BUILTIN_DEFAULTS: CleanupDefaults = {
  ...SEED_DEFAULTS,
  // Remembered uses protect an image for a week after they were last seen: long enough to roll back.
  keepIfUsedWithinDays: 7,
  stoppedTaskWindowHours: 24,
  taskDefinitionRevisions: 5,
  deleteEnabled: false,
  maxDeletionsPerRun: 1000,
};

const Count = z.number().int().min(0).max(1_000_000);
const Days = z.number().min(0).max(36_500);
const WindowHours = z.number().min(0).max(24 * 365);
const MaxDeletions = z.number().int().min(1).max(1_000_000);
const Glob = z.string().min(1).max(256);
const Puller = z.string().regex(/^(?:\d{12}|\*)$/, 'must be a 12-digit account id or *');
// An http(s) URL, checked by WHATWG URL. The message never echoes the value: it may hold a password.
const GRAFANA_URL_MESSAGE = 'must be an http(s) URL, e.g. https://grafana.example.com';
const GrafanaUrl = z.url({ protocol: /^https?$/, error: GRAFANA_URL_MESSAGE });
const GRAFANA_AUTH_MESSAGE = 'needs GRAFANA_TOKEN, or a user and password in GRAFANA_URL';
const hasPassword = (url: string): boolean => URL.canParse(url) && new URL(url).password !== '';
const RegistryRef = z.string().regex(/^\d{12}(?:\/[a-z]{2}(?:-[a-z]+)+-\d+)?$/, 'must be an account id or account/region, e.g. 123456789012/us-east-1');

/**
 * Builds the schema with the given defaults, so environment variables can set them. Long because it is one
 * declaration: the cleanup section's shape, field by field, reads best in one place.
 */
export function cleanupConfigSchema(defaults: CleanupDefaults = BUILTIN_DEFAULTS) {
  const RuleBody = z
    .object({
      keepMinImageCount: Count.default(defaults.keepMinImageCount),
      keepImagesNewerThanDays: Days.default(defaults.keepImagesNewerThanDays),
      untagged: z.object({ keepMinImageCount: Count.optional(), keepImagesNewerThanDays: Days.optional() }).strict().optional(),
      keepTagPatterns: z.array(Glob).max(100).default(['latest']),
      keepTagPrefixes: z.array(z.string().min(1).max(128)).max(100).default([]),
      /** An image used within this many days (as the usage ledger remembers) is kept. */
      keepIfUsedWithinDays: Days.default(defaults.keepIfUsedWithinDays),
    })
    .strict();
  // Untagged images inherit the rule's count and age unless given their own.
  const resolve = <T extends z.output<typeof RuleBody>>(rule: T) => ({
    ...rule,
    untagged: {
      keepMinImageCount: rule.untagged?.keepMinImageCount ?? rule.keepMinImageCount,
      keepImagesNewerThanDays: rule.untagged?.keepImagesNewerThanDays ?? rule.keepImagesNewerThanDays,
    },
  });
  const Rule = RuleBody.extend({ repository: Glob }).strict().transform(resolve);
  const DefaultRule = RuleBody.transform((rule) => ({ ...resolve(rule), repository: '**' }));

  return z
    .object({
      rules: z.array(Rule).max(1000).default([]),
      defaultRule: DefaultRule.optional(),
      inUse: z
        .object({
          stoppedTaskWindowHours: WindowHours.default(defaults.stoppedTaskWindowHours),
          taskDefinitionRevisions: Count.default(defaults.taskDefinitionRevisions),
          /**
           * Registries (`account` or `account/region`) that nothing runs from. Without an in-use source, a
           * registry's plan is blocked unless it is listed here.
           */
          nothingRunsFrom: z.array(RegistryRef).max(1000).default([]),
          /**
           * Accounts (or `*`) that repository policies let pull but that ECR Lens does not read, accepted as running
           * nothing from those repositories (CI, scanners). Any other such puller blocks the repository's plan.
           */
          unwatchedPullers: z.array(Puller).max(1000).default([]),
        })
        .strict()
        .default({
          stoppedTaskWindowHours: defaults.stoppedTaskWindowHours,
          taskDefinitionRevisions: defaults.taskDefinitionRevisions,
          nothingRunsFrom: [],
          unwatchedPullers: [],
        }),
      execution: z
        .object({
          enabled: z.boolean().default(defaults.deleteEnabled),
          maxDeletionsPerRun: MaxDeletions.default(defaults.maxDeletionsPerRun),
          /** A JSON-lines copy of the audit (the store in ECRLENS_DATA_DIR always has it). */
          auditLogPath: z.string().min(1).optional(),
          /** Bearer token required by POST /api/v1/cleanup/execute (SIDECAR_ADMIN_TOKEN). */
          adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
          /** The token (a service account's, preferred) wins; without one, the URL's user:password (basic auth). */
          grafana: z
            .object({ url: GrafanaUrl, token: z.string().min(1).optional() })
            .strict()
            .refine((g) => g.token !== undefined || hasPassword(g.url), { error: GRAFANA_AUTH_MESSAGE })
            .optional(),
        })
        .strict()
        .default({ enabled: defaults.deleteEnabled, maxDeletionsPerRun: defaults.maxDeletionsPerRun }),
    })
    .strict();
}

/** The schema with built-in defaults (KEEP_MIN_IMAGE_COUNT=3, KEEP_IMAGES_NEWER_THAN_DAYS=7). */
export const CleanupConfig = cleanupConfigSchema();
export type CleanupConfig = z.output<typeof CleanupConfig>;
export type CleanupRule = CleanupConfig['rules'][number];
export type InUseConfig = CleanupConfig['inUse'];

/** The longest keepIfUsedWithinDays of any rule: how long a use is remembered where no single rule applies. */
export const longestKeepDays = (config: CleanupConfig): number =>
  Math.max(0, ...[...config.rules, ...(config.defaultRule ? [config.defaultRule] : [])].map((r) => r.keepIfUsedWithinDays));

/** What the refresher's memory of uses needs of these settings. */
export const useRetention = (config: CleanupConfig): UseRetention => ({
  windows: config.inUse,
  retentionMs: Math.max(longestKeepDays(config) * 86_400_000, config.inUse.stoppedTaskWindowHours * 3_600_000),
});

export type Env = Readonly<Record<string, string | undefined>>;

/** A default from the environment, checked against the same bounds as the YAML value it stands for. */
function envNumber(env: Env, name: string, fallback: number, bounds: z.ZodNumber): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const text = raw.trim();
  const parsed = bounds.safeParse(parseDecimal(text));
  if (!parsed.success) {
    const kind = bounds.isInt ? 'an integer' : 'a number';
    throw new Error(`${name} must be ${kind} from ${bounds.minValue ?? 0} to ${bounds.maxValue}, got '${raw}'`);
  }
  return parsed.data;
}

function envBoolean(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const lower = raw.trim().toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(lower)) return true;
  if (['false', 'no', 'n', '0'].includes(lower)) return false;
  throw new Error(`${name} must be true or false, got '${raw}'`);
}

/** A comma-separated list, each item validated; undefined when unset. */
function envList(env: Env, name: string, item: z.ZodType<string>): string[] | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const parsed = z.array(item).safeParse(raw.split(',').map((v) => v.trim()).filter(Boolean));
  if (!parsed.success) throw new Error(`${name} ${parsed.error.issues[0]!.message}, got '${raw}'`);
  return parsed.data;
}

const pathOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), 'cleanup');

/**
 * Validates the YAML `cleanup` section with defaults from the environment:
 * KEEP_MIN_IMAGE_COUNT, KEEP_IMAGES_NEWER_THAN_DAYS, CLEANUP_KEEP_IF_USED_WITHIN_DAYS, CLEANUP_STOPPED_TASK_WINDOW_HOURS,
 * CLEANUP_TASK_DEFINITION_REVISIONS, CLEANUP_MAX_DELETIONS_PER_RUN, CLEANUP_AUDIT_LOG.
 * CLEANUP_DELETE_ENABLED, CLEANUP_NOTHING_RUNS_FROM, SIDECAR_ADMIN_TOKEN, GRAFANA_URL and GRAFANA_TOKEN override the YAML.
 * CLEANUP_DEFAULT_RULE=true adds a default rule (env defaults) when the YAML has none.
 * Throws an Error naming the variable or the YAML path.
 */
export function cleanupConfigFromEnv(env: Env, yamlSection: unknown): CleanupConfig {
  const defaults: CleanupDefaults = {
    keepMinImageCount: envNumber(env, 'KEEP_MIN_IMAGE_COUNT', BUILTIN_DEFAULTS.keepMinImageCount, Count),
    keepImagesNewerThanDays: envNumber(env, 'KEEP_IMAGES_NEWER_THAN_DAYS', BUILTIN_DEFAULTS.keepImagesNewerThanDays, Days),
    keepIfUsedWithinDays: envNumber(env, 'CLEANUP_KEEP_IF_USED_WITHIN_DAYS', BUILTIN_DEFAULTS.keepIfUsedWithinDays, Days),
    stoppedTaskWindowHours: envNumber(env, 'CLEANUP_STOPPED_TASK_WINDOW_HOURS', BUILTIN_DEFAULTS.stoppedTaskWindowHours, WindowHours),
    taskDefinitionRevisions: envNumber(env, 'CLEANUP_TASK_DEFINITION_REVISIONS', BUILTIN_DEFAULTS.taskDefinitionRevisions, Count),
    deleteEnabled: false,
    maxDeletionsPerRun: envNumber(env, 'CLEANUP_MAX_DELETIONS_PER_RUN', BUILTIN_DEFAULTS.maxDeletionsPerRun, MaxDeletions),
  };
  const auditLog = env['CLEANUP_AUDIT_LOG']?.trim();
  const schema = cleanupConfigSchema(defaults);
  const parsed = schema.safeParse(yamlSection ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${pathOf(issue.path)}: ${issue.message}`);
  }
  const config = parsed.data;

  const enabled = envBoolean(env, 'CLEANUP_DELETE_ENABLED');
  const pullers = envList(env, 'CLEANUP_UNWATCHED_PULLERS', Puller);
  const nothingRunsFrom = env['CLEANUP_NOTHING_RUNS_FROM']?.trim();
  let registries: string[] | undefined;
  if (nothingRunsFrom) {
    const parsedList = z.array(RegistryRef).safeParse(nothingRunsFrom.split(',').map((v) => v.trim()).filter(Boolean));
    if (!parsedList.success) throw new Error(`CLEANUP_NOTHING_RUNS_FROM ${parsedList.error.issues[0]!.message}, got '${nothingRunsFrom}'`);
    registries = parsedList.data;
  }
  const defaultRule = envBoolean(env, 'CLEANUP_DEFAULT_RULE');
  const adminToken = env['SIDECAR_ADMIN_TOKEN']?.trim();
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < 16) {
    throw new Error('SIDECAR_ADMIN_TOKEN must be at least 16 characters');
  }
  const grafanaUrl = env['GRAFANA_URL']?.trim();
  const grafanaToken = env['GRAFANA_TOKEN']?.trim();
  if (grafanaUrl && !GrafanaUrl.safeParse(grafanaUrl).success) throw new Error(`GRAFANA_URL ${GRAFANA_URL_MESSAGE}`);

  if (grafanaUrl && !grafanaToken && !hasPassword(grafanaUrl)) throw new Error(`GRAFANA_URL ${GRAFANA_AUTH_MESSAGE}`);
  const grafana = grafanaUrl ? { url: grafanaUrl, ...(grafanaToken ? { token: grafanaToken } : {}) } : config.execution.grafana;
  return {
    ...config,
    defaultRule: config.defaultRule ?? (defaultRule ? schema.shape.defaultRule.parse({}) : undefined),
    inUse: { ...config.inUse, ...(registries ? { nothingRunsFrom: registries } : {}), ...(pullers ? { unwatchedPullers: pullers } : {}) },
    execution: {
      ...config.execution,
      ...(auditLog ? { auditLogPath: auditLog } : {}),
      enabled: enabled ?? config.execution.enabled,
      ...(adminToken ? { adminToken } : {}),
      ...(grafana ? { grafana } : {}),
    },
  };
}
