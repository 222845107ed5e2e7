import { z } from 'zod';
import { DECISIONS, REASON_CODES } from './enums.js';
import { AccountId, Digest, Glob, Name, Region } from './ids.js';

/** The JSON bodies of the sidecar's routes other than POST /api/v1/query (query.ts, frame.ts). */

/** Every error: a code, a sentence, and for bad input the fields at fault. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.output<typeof ErrorBody>;

/** A registry or source the last refresh could not read completely. */
export const Incomplete = z.object({
  scope: z.string(),
  accountId: z.string(),
  region: z.string(),
  target: z.string().optional(),
  operation: z.string(),
  error: z.string(),
});
export type Incomplete = z.output<typeof Incomplete>;

/** The events queue's consumer (ECRLENS_EVENTS_QUEUE_URL): what it received, applied and ignored, and how late. */
export const EventsState = z.object({
  queue: z.string().describe('The queue URL.'),
  running: z.boolean(),
  received: z.number().describe('Messages received since start.'),
  applied: z.record(z.string(), z.number()).describe('Events applied since start, by kind (image-action, image-scan, task-state, ...).'),
  ignored: z.record(z.string(), z.number()).describe('Messages ignored since start, by reason (malformed, unknown-event, not-watched).'),
  targetedRefreshes: z.number().describe('Targeted refreshes: one per batch of events.'),
  lastAppliedAt: z.number().optional().describe('When the last batch was applied (epoch ms).'),
  lagSeconds: z.number().optional().describe("From the newest applied event's time to its snapshot being served."),
  consecutiveErrors: z.number(),
  lastError: z.string().optional(),
});
export type EventsState = z.output<typeof EventsState>;

/** The refresher's state, as GET /api/v1/status and POST /api/v1/refresh report it. */
export const RefreshState = z.object({
  ready: z.boolean(),
  stale: z.boolean(),
  snapshotVersion: z.number(),
  lastSuccessAt: z.number().optional(),
  lastAttemptAt: z.number().optional(),
  lastDurationMs: z.number().optional(),
  refreshing: z.boolean(),
  consecutiveFailures: z.number(),
  refreshErrorsTotal: z.number(),
  lastError: z.string().optional(),
  incomplete: z.array(Incomplete),
  events: EventsState.optional().describe('Present when the sidecar consumes ECR and ECS events from SQS.'),
});
export type RefreshState = z.output<typeof RefreshState>;

/** GET /api/v1/status: the plugin's health check. */
export const InventoryStatus = RefreshState.extend({
  snapshot: z.object({ builtAt: z.number(), registries: z.number(), repositories: z.number(), images: z.number(), clusters: z.number() }),
  sources: z
    .array(z.object({ source: z.string(), accountId: z.string().optional(), region: z.string().optional(), description: z.string(), readAt: z.number() }))
    .describe('The in-use sources the snapshot read: per registry (ECS, Lambda) or for every registry (Kubernetes, keep lists).'),
  rememberedUses: z.number().describe('Uses recalled from the usage ledger that the last read did not see.'),
});
export type InventoryStatus = z.output<typeof InventoryStatus>;

/** POST /api/v1/refresh. */
export const RefreshOutcome = z.object({
  started: z.boolean(),
  reason: z.enum(['coalesced', 'rate-limited']).optional(),
  status: RefreshState,
});
export type RefreshOutcome = z.output<typeof RefreshOutcome>;

/** GET /api/v1/variables/{kind}: the scope narrowing the values. */
export const VariableValue = z.object({ text: z.string(), value: z.string() });
export const VariableValues = z.array(VariableValue);
export type VariableValue = z.output<typeof VariableValue>;

/** GET /api/v1/annotations: one event. Kinds may add fields of their own. */
export const Annotation = z
  .object({ time: z.number(), timeEnd: z.number().optional(), title: z.string(), text: z.string(), tags: z.array(z.string()) })
  .catchall(z.unknown());
export type Annotation = z.output<typeof Annotation>;
export const Annotations = z.array(Annotation);

/** A reason the cleanup planner gives, as a code and a sentence. */
export const PlanReason = z.object({ code: z.enum(REASON_CODES), text: z.string() });
export const PlanSummary = z.object({
  images: z.number(),
  delete: z.number(),
  keep: z.number(),
  blocked: z.number(),
  inUse: z.number(),
  deleteSizeBytes: z.number(),
  reclaimableBytes: z.number(),
  monthlyUsd: z.number(),
  reclaimableUnknown: z.number(),
});
export const REPOSITORY_STATUSES = ['ok', 'blocked', 'no-rule'] as const;
export const PlannedRepository = z.object({
  repository: z.string(),
  account: z.string(),
  region: z.string(),
  rule: z.string().nullable(),
  status: z.enum(REPOSITORY_STATUSES),
  blockedReasons: z.array(PlanReason).readonly(),
  summary: PlanSummary,
});
export const PlannedImage = z.object({
  repository: z.string(),
  account: z.string(),
  region: z.string(),
  digest: z.string(),
  tags: z.array(z.string()).readonly(),
  kind: z.string(),
  children: z.array(z.string()).readonly().describe('An index: the digests of the manifests it lists; deleted with it, never alone.'),
  subject: z.string().nullable().describe('A referrer (attestation, signature, SOCI index): the digest it refers to; deleted with it.'),
  pushedAt: z.string().nullable().describe('ECR imagePushedAt; null when ECR did not report it (the image is then kept).'),
  decision: z.enum(DECISIONS),
  reasons: z.array(PlanReason).readonly(),
  inUse: z.boolean(),
  sizeBytes: z.number().nullable().describe('ECR imageSizeInBytes; null when ECR did not report it.'),
  reclaimableBytes: z.number().nullable(),
  monthlyUsd: z.number().nullable(),
});
/** GET /api/v1/cleanup/plan. */
export const CleanupPlan = z.object({
  planId: z.string().describe('sha256 of the configuration and the repositories in scope (their images, uses and decisions). Send it to /execute.'),
  generatedAt: z.string(),
  snapshotVersion: z.number(),
  notices: z
    .array(z.string())
    .describe('What the plan cannot see: in-use sources not read, registries declared to run nothing, uses naming registries that are not inventoried.'),
  summary: PlanSummary,
  repositories: z.array(PlannedRepository),
  images: z.array(PlannedImage),
  totalImages: z.number().describe('Images matching the filters, before limit and offset.'),
});
export type CleanupPlan = z.output<typeof CleanupPlan>;
export type PlannedImage = z.output<typeof PlannedImage>;
export type PlannedRepository = z.output<typeof PlannedRepository>;

export const PLAN_ID_PATTERN = /^[a-f0-9]{64}$/;
/** POST /api/v1/cleanup/execute. The sidecar also refuses unsupported glob syntax in `repositories`. */
/** The most images one execution may name: a page of the plan as the app shows it, well over any deletion budget. */
export const MAX_SELECTED_IMAGES = 10_000;

/** One image a person approved for deletion, as the plan lists it. */
export const SelectedImage = z
  .object({ repository: Name, account: AccountId, region: Region, digest: Digest })
  .strict();
export type SelectedImage = z.output<typeof SelectedImage>;

export const CleanupExecuteRequest = z
  .object({
    planId: z.string().regex(PLAN_ID_PATTERN, 'must be the 64-hex planId from GET /api/v1/cleanup/plan'),
    repositories: z
      .array(Glob)
      .min(1)
      .max(1000)
      .optional()
      .describe('Repository name globs; the plan must have been fetched with the same ?repository= values.'),
    registry: z.array(AccountId).min(1).max(100).optional().describe('As ?registry= when the plan was fetched.'),
    region: z.array(Region).min(1).max(100).optional().describe('As ?region= when the plan was fetched.'),
    images: z
      .array(SelectedImage)
      .min(1)
      .max(MAX_SELECTED_IMAGES)
      .optional()
      .describe(
        'Approve only these images: each must be planned for deletion in the plan of planId (with its scope), and an index child or a referrer needs its index or subject approved too. Without it, every image the plan deletes in scope.',
      ),
    dryRun: z.boolean().default(true).describe('Default true: report what would be deleted, delete nothing.'),
  })
  .strict();
export type CleanupExecuteRequest = z.output<typeof CleanupExecuteRequest>;

export const EXECUTION_OUTCOMES = ['succeeded', 'partial', 'failed', 'aborted', 'audit_failed', 'dry_run', 'refused'] as const;
export type ExecutionOutcome = (typeof EXECUTION_OUTCOMES)[number];

export const ExecutedImage = z
  .object({
    repository: z.string(),
    account: z.string(),
    region: z.string(),
    digest: z.string(),
    tags: z.array(z.string()).readonly(),
    sizeBytes: z.number().nullable().describe("ECR's imageSizeInBytes; null when it did not report it."),
    reclaimableBytes: z.number().nullable(),
  })
  .readonly();
export type ExecutedImage = z.output<typeof ExecutedImage>;
export const FailedImage = z
  .object({ ...ExecutedImage.unwrap().shape, code: z.string(), reason: z.string() })
  .readonly();
export type FailedImage = z.output<typeof FailedImage>;

/** The report of POST /api/v1/cleanup/execute. */
export const CleanupExecuteReport = z
  .object({
    runId: z.string(),
    planId: z.string(),
    dryRun: z.boolean(),
    outcome: z.enum(EXECUTION_OUTCOMES),
    stoppedBecause: z.string().optional().describe('Why the run stopped early (outcome aborted or audit_failed).'),
    startedAt: z.string(),
    finishedAt: z.string(),
    candidates: z.number().describe('Images the plan deletes in scope (with images, the approved ones).'),
    deferred: z.number().describe('Candidates left for a later run: over maxDeletionsPerRun, not reached because the run stopped, or held back because the index or subject they go with stayed.'),
    maxDeletionsPerRun: z.number(),
    deleted: z.array(ExecutedImage).readonly().describe('Deleted (or, in a dry run, that would be deleted).'),
    failures: z.array(FailedImage).readonly(),
    deletedBytes: z.number().describe('Sum of imageSizeInBytes of the deleted images whose size is known.'),
    blockedRepositories: z.array(z.string()).readonly(),
    usesChecks: z.number().describe('How many times the in-use sources were read during the run (the first read included).'),
    grafana: z.union([z.enum(['posted', 'not-configured', 'skipped-dry-run']), z.templateLiteral(['failed: ', z.string()])]),
    grafanaAnnotationId: z.number().optional().describe('The id of the Grafana annotation the run made, when Grafana said it.'),
  })
  .readonly();
export type CleanupExecuteReport = z.output<typeof CleanupExecuteReport>;

/** An approved image the current plan decides otherwise: kept now (with why), or gone from the registry. */
export const SelectionChange = z.object({
  ...SelectedImage.shape,
  decision: z.enum([...DECISIONS, 'gone']),
  reasons: z.array(PlanReason).readonly(),
});
export type SelectionChange = z.output<typeof SelectionChange>;

/** 409 from POST /api/v1/cleanup/execute: the plan changed, or another run holds the lock. */
export const CleanupConflict = ErrorBody.extend({
  planId: z.string().optional(),
  currentPlanId: z.string().optional(),
  runningRunId: z.string().optional(),
  selection: z
    .object({
      unchanged: z.number().describe('Approved images the current plan still deletes.'),
      changed: z.array(SelectionChange).describe('Approved images the current plan no longer deletes.'),
    })
    .optional()
    .describe('With images: what the current plan (currentPlanId) decides for them. Approve again with the new plan id.'),
});
export type CleanupConflict = z.output<typeof CleanupConflict>;

/** GET /api/v1/cleanup/audit (format json): a page of the audit, oldest first. */
export const CleanupAuditPage = z.object({
  entries: z.array(z.object({ seq: z.number(), entry: z.record(z.string(), z.unknown()) })),
  next: z.number().nullable().describe('Pass as `after` for the next page; null at the end.'),
  unfinishedRuns: z
    .array(z.object({ runId: z.string(), startedAt: z.string() }))
    .describe('Real runs with a start and no end: left unfinished by a crash.'),
});
export type CleanupAuditPage = z.output<typeof CleanupAuditPage>;

/** A cleanup run as the Runs page lists it: who, when, what, the outcome and the bytes freed. */
export const CleanupRun = z.object({
  runId: z.string(),
  /** Its first audit entry's position: pass as `before` for older runs. */
  seq: z.number(),
  planId: z.string().nullable(),
  dryRun: z.boolean(),
  outcome: z
    .enum([...EXECUTION_OUTCOMES, 'unfinished'])
    .describe('unfinished: started with no end written: running now, or left by a crash (the audit lists those as unfinishedRuns).'),
  user: z.string().nullable().describe('The Grafana user a trusted proxy forwarded; null when unknown.'),
  tokenFingerprint: z.string().nullable(),
  remoteAddress: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  candidates: z.number().nullable().describe('Images the run set out to delete (the approved ones, when chosen).'),
  approved: z.number().nullable().describe('Images a person approved, when they chose them; null for a whole scope.'),
  deleted: z.number().describe('Images deleted (or, in a dry run, that would be).'),
  failures: z.number(),
  bytes: z.number().describe('Sum of imageSizeInBytes of the deleted images (known sizes).'),
  deferred: z.number().nullable(),
  repositories: z.array(z.string()).describe('Repositories (account/region/name) of the images deleted, or set out to be.'),
  reason: z.string().nullable().describe('Why it was refused or stopped.'),
  grafana: z.string().nullable().describe("How the run's annotation went: posted, not-configured, skipped-dry-run or failed: …"),
  grafanaAnnotationId: z.number().nullable(),
});
export type CleanupRun = z.output<typeof CleanupRun>;

/** GET /api/v1/cleanup/runs: runs, newest first. */
export const CleanupRunsPage = z.object({
  runs: z.array(CleanupRun),
  next: z.number().nullable().describe('Pass as `before` for the next (older) page; null at the end.'),
});
export type CleanupRunsPage = z.output<typeof CleanupRunsPage>;

/** One in-use source as it covers a registry: what it is, when it was read, and since when it has been watched. */
export const CoveringSource = z.object({
  source: z.enum(['ecs', 'lambda', 'kubernetes', 'keep-list']),
  description: z.string().describe('What was read, without credentials: ECS, a Prometheus URL, a keep list.'),
  scope: z.enum(['registry', 'all-registries']).describe('registry: read in this account and region; all-registries: one read for every registry.'),
  readAt: z.string(),
  watchedSince: z.string().nullable().describe('ECS: since when the ledger has seen this registry read without a gap.'),
  notices: z.array(z.string()),
});
export type CoveringSource = z.output<typeof CoveringSource>;

/** GET /api/v1/cleanup/sources: per registry, which in-use sources the plan reads, how fresh, and what is blind. */
export const CleanupSources = z.object({
  snapshotVersion: z.number(),
  generatedAt: z.string(),
  registries: z.array(
    z.object({
      account: z.string(),
      region: z.string(),
      repositories: z.number(),
      sources: z.array(CoveringSource),
      watched: z.boolean().describe('A source watches what runs from it (ECS or Lambda here, or Kubernetes); a keep list names exceptions only.'),
      nothingRunsFrom: z.boolean().describe('Declared in CLEANUP_NOTHING_RUNS_FROM: not blocked without a source.'),
      blind: z.boolean().describe('Nothing watches it and it is not declared: every repository of it with a rule is blocked.'),
      failures: z.array(Incomplete).describe('In-use reads that failed for it (or for every registry): they block every plan.'),
      blockedRepositories: z.number().describe("Repositories of this registry the current plan blocks, for whatever reason."),
    }),
  ),
  notSources: z.array(z.string()).describe('In-use sources not read at all.'),
  notices: z.array(z.string()).describe("The plan's blind spots, as its notices say them."),
});
export type CleanupSources = z.output<typeof CleanupSources>;

/** One image an ECR lifecycle policy will act on, in GET /api/v1/cleanup/lifecycle. */
export const LifecycleAction = z.object({
  digest: z.string(),
  tags: z.array(z.string()).readonly(),
  pushedAt: z.string(),
  action: z.enum(['EXPIRE', 'TRANSITION']),
  targetStorageClass: z.literal('ARCHIVE').nullable(),
  storageClass: z.enum(['STANDARD', 'ARCHIVE']),
  appliedRulePriority: z.number().nullable().describe('The rule that acts; null for a referrer that follows its subject.'),
  via: z.enum(['rule', 'subject']),
  inUse: z.boolean().describe('Whether ECS (or another in-use source) uses it: the headline risk.'),
  inUseReasons: z.array(PlanReason).readonly(),
});
/** GET /api/v1/cleanup/lifecycle: what each repository's lifecycle policy will expire or archive. */
export const LifecyclePreview = z.object({
  generatedAt: z.string(),
  snapshotVersion: z.number(),
  repositories: z.array(
    z.object({
      repository: z.string(),
      account: z.string(),
      region: z.string(),
      policy: z.enum(['none', 'valid', 'invalid']),
      errors: z.array(z.string()).readonly().describe('Why the policy is invalid.'),
      incomplete: z.boolean().describe('The image list is incomplete, so the preview may miss images.'),
      summary: z.object({ expiring: z.number(), transitioning: z.number(), inUseAtRisk: z.number(), expiringBytes: z.number() }),
      protectedByIndex: z.array(z.object({ digest: z.string(), rulePriority: z.number() })).readonly(),
      actions: z.array(LifecycleAction),
    }),
  ),
});
export type LifecyclePreview = z.output<typeof LifecyclePreview>;
