/**
 * The cleanup plan's routes: what would be deleted and why. Validation only; the logic lives in cleanup/plan/.
 *   GET /api/v1/cleanup/plan[?format=csv]  the plan (JSON), or the seed script's to_delete.csv
 *   GET /api/v1/cleanup/plan.csv
 *   GET /api/v1/cleanup/lifecycle          what ECR lifecycle policies will expire or archive
 */
import { BOOLEAN_FILTERS, CleanupPlan, CleanupSources, DAY_FILTERS, LifecyclePreview, QUERY_FILTERS, TIME_FILTERS, type PlannedImage, type PlannedRepository } from '@ecr-lens/contract';
import type { LifecyclePreview as LifecyclePreviewModel } from '../cleanup/plan/lifecycle/preview.js';
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { toDeleteCsv } from '../cleanup/plan/csv.js';
import { executed as executedImage } from '../cleanup/execute/batches.js';
import type { ImagePlan, RepositoryPlan } from '../cleanup/plan/planner.js';
import { selectPlan, type PlanSelection } from '../cleanup/plan/select.js';
import { planSources } from '../cleanup/plan/sources.js';
import type { QueryIssue } from '../query/errors.js';
import { repositoryPredicate } from '../query/filters.js';
import { RepositoryScopeQuery } from './scope.js';
import { Filters } from '../query/request.js';
import type { Repository, Snapshot } from '../snapshot/model.js';
import { nextTurn } from '../cooperative.js';
import { byteChunks } from './byte-chunks.js';
import type { CleanupRouteDeps } from './cleanup-deps.js';
import type { AppEnv } from './deps.js';
import { badRequest, ERROR_RESPONSES, zodIssues } from './errors.js';
import { named } from './openapi-names.js';

/** The plan takes the cleanup query's filters. */
const PLAN_FILTERS = QUERY_FILTERS.cleanup;
export const DEFAULT_PLAN_LIMIT = 10_000;
export const MAX_PLAN_LIMIT = 100_000;

const is = (names: readonly string[]) => (key: string): boolean => names.includes(key);
const isDays = is(DAY_FILTERS);
const isBoolean = is(BOOLEAN_FILTERS);
const isTime = is(TIME_FILTERS);
/** Decimal digits only: `0x10`, ` 5`, `1e3` and an empty value are refused, not read as numbers. */
const decimal = z
  .string()
  .regex(/^\d{1,12}$/, 'must be a decimal integer')
  .transform(Number);
const PAGING = z
  .object({
    format: z.enum(['json', 'csv']).default('json'),
    limit: decimal.pipe(z.number().int().min(1).max(MAX_PLAN_LIMIT)).default(DEFAULT_PLAN_LIMIT),
    offset: decimal.pipe(z.number().int().min(0).max(10_000_000)).default(0),
  })
  .strict();

type Parsed<T> = { ok: true; value: T } | { ok: false; issues: QueryIssue[] };

/** The query API's filters from a query string; repeat a parameter to give several values. */
export function parsePlanQuery(queries: Record<string, string[]>): Parsed<{ filters: Filters; paging: z.output<typeof PAGING> }> {
  const raw: Record<string, unknown> = {};
  const paging: Record<string, string> = {};
  const issues: QueryIssue[] = [];
  const known = new Set(Object.keys(Filters.shape));
  for (const [key, values] of Object.entries(queries)) {
    if (key in PAGING.shape) {
      paging[key] = values[values.length - 1]!;
      continue;
    }
    if (!known.has(key)) {
      issues.push({ path: key, message: 'unknown parameter' });
      continue;
    }
    if (!(PLAN_FILTERS as readonly string[]).includes(key)) {
      issues.push({ path: key, message: `does not apply to the cleanup plan; it takes: ${PLAN_FILTERS.join(', ')}` });
      continue;
    }
    const convert = (v: string): unknown => {
      if (isDays(key)) return /^\d{1,6}(?:\.\d{1,6})?$/.test(v) ? Number(v) : v;
      if (isBoolean(key)) return v === 'true' ? true : v === 'false' ? false : v;
      if (isTime(key)) return /^\d{1,15}$/.test(v) ? Number(v) : v;
      return v;
    };
    const converted = values.map(convert);
    raw[key] = converted.length === 1 ? converted[0] : converted;
  }
  if (issues.length) return { ok: false, issues };
  const filters = Filters.safeParse(raw);
  const page = PAGING.safeParse(paging);
  if (!filters.success) issues.push(...zodIssues(filters.error));
  if (!page.success) issues.push(...zodIssues(page.error));
  if (!filters.success || !page.success) return { ok: false, issues };
  return { ok: true, value: { filters: filters.data, paging: page.data } };
}

// The executed-image fields, and what the plan adds: one mapping of a planned image to JSON. Added with
// Object.assign: as `{ ...executed, kind, ... }` each row got a hidden class of its own, made in the old generation,
// and a plan request's hundred rows were garbage a full collection had to find (most of what the requests promoted).
const imageJson = (snapshot: Snapshot, p: ImagePlan): PlannedImage =>
  Object.assign(executedImage(snapshot, p), {
    kind: p.image.kind,
    children: p.image.children,
    subject: p.image.subjectDigest ?? null,
    pushedAt: p.image.pushedAtUnknown ? null : new Date(p.image.pushedAt).toISOString(),
    decision: p.decision,
    reasons: p.reasons,
    inUse: p.inUse,
    monthlyUsd: p.monthlyUsd,
  });

export const repositoryJson = (r: RepositoryPlan): PlannedRepository => ({
  repository: r.repository.name,
  account: r.repository.accountId,
  region: r.repository.region,
  rule: r.rule,
  status: r.status,
  blockedReasons: r.blockedReasons,
  summary: r.summary,
});

const PlanResponse = named(CleanupPlan, 'CleanupPlan');

/** GET /api/v1/cleanup/plan (JSON, or CSV with format=csv) and plan.csv (`forceCsv`). */
function planHandler(deps: Pick<CleanupRouteDeps, 'service' | 'inventory'>, forceCsv: boolean) {
  return async (c: Context) => {
    const parsed = parsePlanQuery(c.req.queries());
    if (!parsed.ok) return badRequest(c, parsed.issues);
    const { filters, paging } = parsed.value;
    // The current snapshot's plan, waited for just after a swap: its id is what an execution approves, and an
    // execution is checked against the current snapshot (views answer from the one before meanwhile; this cannot).
    const snapshot = deps.inventory.snapshot();
    await deps.service.planned(snapshot);
    const selection = selectPlan(deps.service.plan(snapshot), filters, deps.service.now(), snapshot);
    c.header('X-Plan-Id', selection.plan.id);
    if (forceCsv || paging.format === 'csv') {
      c.header('Content-Disposition', 'attachment; filename="to_delete.csv"');
      return c.body(toDeleteCsv(snapshot, selection.rows), 200, { 'Content-Type': 'text/csv; charset=UTF-8' });
    }
    const { plan } = selection;
    const head: Omit<CleanupPlan, 'repositories' | 'images' | 'totalImages'> = {
      planId: plan.id,
      generatedAt: new Date(plan.generatedAt).toISOString(),
      snapshotVersion: plan.snapshotVersion,
      notices: [...plan.notices],
      summary: plan.summary,
    };
    const images: PlannedImage[] = selection.page(paging.offset, paging.limit).map((p) => imageJson(snapshot, p));
    // The CleanupPlan's fields in order; the repositories' part is encoded once per plan and sent as it is.
    const repositories = await repositoriesJson(plan);
    const { body, length } = byteChunks([
      UTF8.encode(`${JSON.stringify(head).slice(0, -1)},"repositories":`),
      ...repositories,
      UTF8.encode(`,"images":${JSON.stringify(images)},"totalImages":${selection.total}}`),
    ]);
    return c.body(body, 200, { 'Content-Type': 'application/json', 'Content-Length': String(length) });
  };
}

const UTF8 = new TextEncoder();

/**
 * Each plan's repositories as UTF-8 JSON. At 5,000 repositories that is megabytes, and making, flattening and
 * encoding that text on every request made most of a plan request's time and garbage under load; a plan is
 * immutable, so the bytes are made once and written to each response without a copy. They are made
 * REPOSITORIES_PER_STEP repositories at a time with a turn of the event loop between: in one piece, the first request
 * after a new plan held the loop for about 200 ms at 5,000 repositories (requests waiting share the same promise).
 */
const repositoriesJsons = new WeakMap<PlanSelection['plan'], Promise<readonly Uint8Array[]>>();
export const REPOSITORIES_PER_STEP = 256;
function repositoriesJson(plan: PlanSelection['plan']): Promise<readonly Uint8Array[]> {
  let bytes = repositoriesJsons.get(plan);
  if (bytes === undefined) {
    bytes = encodeRepositories(plan.repositories);
    repositoriesJsons.set(plan, bytes);
    // A failure is that request's: the next one tries again.
    bytes.catch(() => repositoriesJsons.delete(plan));
  }
  return bytes;
}

/** `[row,row,...]` as chunks, each the rows of one step (the first opens the list, the last closes it). */
async function encodeRepositories(repositories: readonly RepositoryPlan[]): Promise<readonly Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let from = 0; from < repositories.length; from += REPOSITORIES_PER_STEP) {
    if (from > 0) await nextTurn();
    const rows: PlannedRepository[] = repositories.slice(from, from + REPOSITORIES_PER_STEP).map(repositoryJson);
    chunks.push(UTF8.encode(`${from === 0 ? '[' : ','}${JSON.stringify(rows).slice(1, -1)}`));
  }
  chunks.push(UTF8.encode(chunks.length === 0 ? '[]' : ']'));
  return chunks;
}

/** The lifecycle preview in the contract's terms, for the repositories `keep` selects. */
function lifecycleJson(preview: LifecyclePreviewModel, keep: (repository: Repository) => boolean): LifecyclePreview {
  return {
    generatedAt: new Date(preview.generatedAt).toISOString(),
    snapshotVersion: preview.snapshotVersion,
    repositories: preview.repositories
      .filter((r) => keep(r.repository))
      .map((r) => ({
        repository: r.repository.name,
        account: r.repository.accountId,
        region: r.repository.region,
        policy: r.policy,
        errors: r.errors,
        incomplete: r.incomplete,
        summary: r.summary,
        protectedByIndex: r.protectedByIndex,
        actions: r.actions.map((a) => ({
          digest: a.digest,
          tags: a.image.tags,
          pushedAt: new Date(a.image.pushedAt).toISOString(),
          action: a.action,
          targetStorageClass: a.targetStorageClass ?? null,
          storageClass: a.storageClass,
          appliedRulePriority: a.appliedRulePriority,
          via: a.via,
          inUse: a.inUse,
          inUseReasons: a.inUseReasons,
        })),
      })),
  };
}

// Repeated parameters reach the validator as arrays; parsePlanQuery reads them either way.
const planQueryDoc = z
  .object({
    format: z.enum(['json', 'csv']).optional(),
    limit: z.string().optional(),
    offset: z.string().optional(),
    ...Object.fromEntries(PLAN_FILTERS.map((f) => [f, z.union([z.string(), z.array(z.string())]).optional()])),
  })
  .openapi({ description: 'The query API filters; repeat a parameter for several values.' });

const planRoute = createRoute({
  method: 'get',
  path: '/api/v1/cleanup/plan',
  tags: ['cleanup'],
  summary: 'The cleanup plan: every image with its decision and reasons.',
  description: `Filters: ${PLAN_FILTERS.join(', ')}. registry, region and repository scope the plan and its id; the others only choose the images listed. format=csv gives to_delete.csv (repository, digest, tags).`,
  security: [{ bearer: [] }],
  request: { query: planQueryDoc },
  responses: {
    200: { description: 'The plan.', content: { 'application/json': { schema: PlanResponse }, 'text/csv': { schema: z.string() } } },
    ...ERROR_RESPONSES,
  },
});

const planCsvRoute = createRoute({
  method: 'get',
  path: '/api/v1/cleanup/plan.csv',
  tags: ['cleanup'],
  summary: "The images to delete as the seed script's to_delete.csv (repository, digest, tags).",
  security: [{ bearer: [] }],
  request: { query: planQueryDoc },
  responses: { 200: { description: 'CSV.', content: { 'text/csv': { schema: z.string() } } }, ...ERROR_RESPONSES },
});

const lifecycleRoute = createRoute({
  method: 'get',
  path: '/api/v1/cleanup/lifecycle',
  tags: ['cleanup'],
  summary: 'Lifecycle-policy preview: what ECR will expire or archive, flagging images ECS uses; scoped by registry, region and repository.',
  security: [{ bearer: [] }],
  request: { query: z.object({ ...RepositoryScopeQuery }).strict() },
  responses: { 200: { description: 'Per repository.', content: { 'application/json': { schema: named(LifecyclePreview, 'LifecyclePreview') } } }, ...ERROR_RESPONSES },
});

const sourcesRoute = createRoute({
  method: 'get',
  path: '/api/v1/cleanup/sources',
  tags: ['cleanup'],
  summary: 'What the plan can see, per registry: the in-use sources covering it, when read and since when watched, failed reads, and whether it is blind.',
  security: [{ bearer: [] }],
  responses: { 200: { description: 'Per registry.', content: { 'application/json': { schema: named(CleanupSources, 'CleanupSources') } } }, ...ERROR_RESPONSES },
});

/** Mounts the plan routes. */
export function cleanupPlanRoutes(deps: Pick<CleanupRouteDeps, 'service' | 'inventory'>): (app: OpenAPIHono<AppEnv>) => void {
  return (app) => {
    // The handlers parse their query strings themselves (repeated parameters), so they are not the typed kind.
    app.openapi(planRoute, planHandler(deps, false) as never);
    app.openapi(planCsvRoute, planHandler(deps, true) as never);
    app.openapi(lifecycleRoute, async (c) => {
      const snapshot = deps.inventory.snapshot();
      await deps.service.previewed(snapshot);
      const preview = deps.service.preview(snapshot);
      return c.json(lifecycleJson(preview, repositoryPredicate(c.req.valid('query'))), 200);
    });
    app.openapi(sourcesRoute, async (c) => {
      const snapshot = deps.inventory.snapshot();
      await deps.service.planned(snapshot);
      return c.json(planSources(snapshot, deps.service.plan(snapshot), deps.service.config), 200);
    });
  };
}
