/**
 * Zod schemas of the provisioning files Grafana reads, strict so that a misspelt key fails. Sources:
 * Grafana's provisioning docs and pkg/services/provisioning (datasources, dashboards, alerting/rules_types.go,
 * contact points and policies), summarised in /work/shared/reference/grafana-plugin.md sections 6 and 7.
 */
import { z } from 'zod';

const Uid = z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'Grafana uids: at most 40 of [a-zA-Z0-9_-]');
/** Go/Prometheus durations as Grafana parses them: 30s, 1m, 1h30m. */
const Duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'a duration such as 30s, 5m or 1h');
const StringMap = z.record(z.string(), z.string());

export const DatasourcesFile = z
  .object({
    apiVersion: z.literal(1),
    prune: z.boolean().optional(),
    deleteDatasources: z.array(z.object({ name: z.string(), orgId: z.number().int().positive() }).strict()).optional(),
    datasources: z
      .array(
        z
          .object({
            name: z.string().min(1),
            type: z.string().min(1),
            uid: Uid,
            orgId: z.number().int().positive().optional(),
            access: z.enum(['proxy', 'direct']).optional(),
            url: z.url().optional(),
            user: z.string().optional(),
            database: z.string().optional(),
            basicAuth: z.boolean().optional(),
            basicAuthUser: z.string().optional(),
            withCredentials: z.boolean().optional(),
            isDefault: z.boolean().optional(),
            jsonData: z.record(z.string(), z.unknown()).optional(),
            secureJsonData: StringMap.optional(),
            version: z.number().int().optional(),
            editable: z.boolean().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** provisioning/plugins: apps enabled with their settings (pkg/services/provisioning/plugins, config_reader.go). */
export const AppsFile = z
  .object({
    apiVersion: z.literal(1),
    apps: z
      .array(
        z
          .object({
            type: z.string().min(1),
            org_id: z.number().int().positive().optional(),
            org_name: z.string().optional(),
            disabled: z.boolean().optional(),
            jsonData: z.record(z.string(), z.unknown()).optional(),
            secureJsonData: StringMap.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const DashboardProvidersFile = z
  .object({
    apiVersion: z.literal(1),
    providers: z
      .array(
        z
          .object({
            name: z.string().min(1),
            orgId: z.number().int().positive().optional(),
            folder: z.string().optional(),
            folderUid: Uid.optional(),
            type: z.literal('file'),
            disableDeletion: z.boolean().optional(),
            updateIntervalSeconds: z.number().int().positive().optional(),
            allowUiUpdates: z.boolean().optional(),
            options: z.object({ path: z.string().startsWith('/'), foldersFromFilesStructure: z.boolean().optional() }).strict(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

const AlertQuery = z
  .object({
    refId: z.string().min(1),
    queryType: z.string().optional(),
    relativeTimeRange: z.object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }).strict().optional(),
    datasourceUid: z.string().min(1),
    model: z.record(z.string(), z.unknown()).and(z.object({ refId: z.string() })),
  })
  .strict();

export const AlertRule = z
  .object({
    uid: Uid,
    title: z.string().min(1).max(190),
    condition: z.string().min(1),
    data: z.array(AlertQuery).min(1),
    dashboardUid: z.string().optional(),
    panelId: z.number().int().optional(),
    noDataState: z.enum(['NoData', 'Alerting', 'OK', 'KeepLast']).optional(),
    execErrState: z.enum(['Error', 'Alerting', 'OK', 'KeepLast']).optional(),
    for: Duration.optional(),
    keepFiringFor: Duration.optional(),
    annotations: StringMap.optional(),
    labels: StringMap.optional(),
    isPaused: z.boolean().optional(),
    missing_series_evals_to_resolve: z.number().int().positive().optional(),
    notification_settings: z
      .object({
        receiver: z.string(),
        group_by: z.array(z.string()).optional(),
        group_wait: Duration.optional(),
        group_interval: Duration.optional(),
        repeat_interval: Duration.optional(),
        mute_time_intervals: z.array(z.string()).optional(),
        active_time_intervals: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const AlertRulesFile = z
  .object({
    apiVersion: z.literal(1),
    groups: z
      .array(
        z
          .object({
            orgId: z.number().int().positive().optional(),
            name: z.string().min(1),
            folder: z.string().min(1),
            interval: Duration,
            rules: z.array(AlertRule).min(1),
          })
          .strict(),
      )
      .min(1),
    deleteRules: z.array(z.object({ orgId: z.number().int().positive(), uid: Uid }).strict()).optional(),
  })
  .strict();

const RECEIVER_TYPES = [
  'alertmanager', 'dingding', 'discord', 'email', 'googlechat', 'kafka', 'line', 'opsgenie', 'pagerduty', 'pushover',
  'sensugo', 'slack', 'teams', 'telegram', 'threema', 'victorops', 'webhook', 'wecom',
] as const;

const Receiver = z
  .object({
    uid: Uid,
    type: z.enum(RECEIVER_TYPES),
    settings: z.record(z.string(), z.unknown()),
    disableResolveMessage: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    // What Grafana's notifiers refuse at load time.
    if (r.type === 'slack' && !r.settings.url && !(r.settings.token && r.settings.recipient)) {
      ctx.addIssue({ code: 'custom', message: 'slack needs url, or token and recipient' });
    }
    if (r.type === 'email' && typeof r.settings.addresses !== 'string') {
      ctx.addIssue({ code: 'custom', message: 'email needs addresses' });
    }
  });

export const ContactPointsFile = z
  .object({
    apiVersion: z.literal(1),
    contactPoints: z
      .array(z.object({ orgId: z.number().int().positive().optional(), name: z.string().min(1), receivers: z.array(Receiver).min(1) }).strict())
      .min(1),
    deleteContactPoints: z.array(z.object({ orgId: z.number().int().positive(), uid: Uid }).strict()).optional(),
  })
  .strict();

const Matcher = z.tuple([z.string().min(1), z.enum(['=', '!=', '=~', '!~']), z.string()]);

export interface Route {
  receiver?: string;
  group_by?: string[];
  object_matchers?: [string, string, string][];
  matchers?: string[];
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: Route[];
}

const routeFields = {
  receiver: z.string().min(1).optional(),
  group_by: z.array(z.string()).optional(),
  object_matchers: z.array(Matcher).optional(),
  matchers: z.array(z.string()).optional(),
  continue: z.boolean().optional(),
  group_wait: Duration.optional(),
  group_interval: Duration.optional(),
  repeat_interval: Duration.optional(),
  mute_time_intervals: z.array(z.string()).optional(),
  active_time_intervals: z.array(z.string()).optional(),
  get routes(): z.ZodOptional<z.ZodArray<z.ZodType<Route>>> {
    return z.array(Route).optional();
  },
};

export const Route: z.ZodType<Route> = z.object(routeFields).strict();

/** The root of the policy tree: a route with an org and a receiver of its own. */
const PolicyRoot = z
  .object({ ...routeFields, orgId: z.number().int().positive().optional(), receiver: z.string().min(1) })
  .strict();

export const PoliciesFile = z
  .object({
    apiVersion: z.literal(1),
    policies: z.array(PolicyRoot).min(1),
    resetPolicies: z.array(z.number().int().positive()).optional(),
  })
  .strict();
