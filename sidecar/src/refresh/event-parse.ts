/**
 * What an EventBridge event delivered through SQS names: the repositories and ECS clusters to read again.
 * Events only say where to look. Their content is never applied, because AWS delivers them at most once-ish,
 * late and in any order: a targeted read of the current state is right whatever order they come in.
 */
import { z } from 'zod';
import { AccountId, Region } from '@ecr-lens/contract';

export const EVENT_KINDS = [
  'image-action',
  'image-scan',
  'enhanced-scan',
  'replication',
  'pull-through-cache',
  'scan-resource-change',
  'lifecycle',
  'api-call',
  'task-state',
  'deployment',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type EventTarget =
  | { readonly kind: 'repository'; readonly accountId: string; readonly region: string; readonly repositoryName: string }
  | { readonly kind: 'cluster'; readonly accountId: string; readonly region: string; readonly clusterArn: string }
  /** A registry-wide setting changed (replication, scanning): the whole registry is read again. */
  | { readonly kind: 'registry'; readonly accountId: string; readonly region: string };

export interface ParsedEvent {
  readonly id: string;
  readonly kind: EventKind;
  /** When AWS says it happened (epoch ms). */
  readonly at: number;
  readonly targets: readonly EventTarget[];
}

export type IgnoredReason = 'malformed' | 'unknown-event';
export type EventParse = { readonly event: ParsedEvent } | { readonly ignored: IgnoredReason };

const Envelope = z.object({
  id: z.string().min(1).max(256),
  'detail-type': z.string().max(256),
  source: z.string().max(256),
  account: AccountId,
  time: z.string().max(64),
  region: Region,
  resources: z.array(z.string().max(2048)).max(100).default([]),
  detail: z.record(z.string(), z.unknown()).default({}),
});
type Envelope = z.infer<typeof Envelope>;

/** An SNS notification, when the rule targets a topic the queue subscribes to (without raw delivery). */
const SnsNotification = z.object({ Type: z.literal('Notification'), Message: z.string() });

const name = z.string().min(1).max(256);
const RepositoryDetail = z.object({ 'repository-name': name });
const ScanChangeDetail = z.object({ repositories: z.array(z.object({ 'repository-name': name })).max(1000) });
const ClusterDetail = z.object({ clusterArn: z.string().min(1).max(2048) });
const CloudTrailDetail = z.object({
  eventName: z.string().max(128),
  requestParameters: z.record(z.string(), z.unknown()).nullish(),
  serviceEventDetails: z.record(z.string(), z.unknown()).nullish(),
});
const InspectorFindingDetail = z.object({
  resources: z.array(z.object({ details: z.object({ awsEcrContainerImage: z.object({ repositoryName: name }) }) })).max(100),
});

/** Registry-wide ECR settings whose change a targeted read cannot follow. */
const REGISTRY_CALLS = new Set([
  'PutReplicationConfiguration',
  'PutRegistryScanningConfiguration',
  'PutRegistryPolicy',
  'DeleteRegistryPolicy',
  'PutAccountSetting',
  'CreatePullThroughCacheRule',
  'DeletePullThroughCacheRule',
]);

/** The repository name of `repository/<name>` ARNs and of plain names (Inspector writes the ARN). */
function repositoryName(value: string): string {
  const at = value.indexOf(':repository/');
  return value.startsWith('arn:') && at >= 0 ? value.slice(at + ':repository/'.length) : value;
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>` (or a task ARN) -> the cluster ARN. */
function clusterArnOf(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[2] !== 'ecs') return undefined;
  const [type, cluster] = parts.slice(5).join(':').split('/');
  if ((type !== 'service' && type !== 'task') || !cluster) return undefined;
  return `${parts.slice(0, 5).join(':')}:cluster/${cluster}`;
}

type Targets = { readonly kind: EventKind; readonly targets: EventTarget[] } | undefined;

function ecrTargets(e: Envelope): Targets {
  const where = { accountId: e.account, region: e.region };
  const repository = (n: string): EventTarget => ({ kind: 'repository', ...where, repositoryName: repositoryName(n) });
  const detail = RepositoryDetail.safeParse(e.detail);
  const named = (kind: EventKind): Targets => (detail.success ? { kind, targets: [repository(detail.data['repository-name'])] } : undefined);
  switch (e['detail-type']) {
    case 'ECR Image Action':
    case 'ECR Referrer Action':
      return named('image-action');
    case 'ECR Image Scan':
      return named('image-scan');
    case 'ECR Replication Action':
      return named('replication');
    case 'ECR Pull Through Cache Action':
      return named('pull-through-cache');
    case 'ECR Scan Resource Change': {
      const change = ScanChangeDetail.safeParse(e.detail);
      return change.success ? { kind: 'scan-resource-change', targets: change.data.repositories.map((r) => repository(r['repository-name'])) } : undefined;
    }
    case 'AWS API Call via CloudTrail':
    case 'AWS Service Event via CloudTrail':
      return cloudTrailTargets(e, repository);
    default:
      return undefined;
  }
}

/** An ECR API call or service event from CloudTrail: the repository it names, or the registry for registry-wide settings. */
function cloudTrailTargets(e: Envelope, repository: (name: string) => EventTarget): Targets {
  const trail = CloudTrailDetail.safeParse(e.detail);
  if (!trail.success) return undefined;
  const { eventName } = trail.data;
  const kind: EventKind = eventName === 'PolicyExecutionEvent' || eventName.endsWith('LifecyclePolicy') ? 'lifecycle' : 'api-call';
  if (REGISTRY_CALLS.has(eventName)) return { kind, targets: [{ kind: 'registry', accountId: e.account, region: e.region }] };
  const params = { ...(trail.data.serviceEventDetails ?? {}), ...(trail.data.requestParameters ?? {}) };
  const named = params.repositoryName ?? params.resourceArn;
  return typeof named === 'string' && named.length > 0 && named.length <= 2048 ? { kind, targets: [repository(named)] } : undefined;
}

function ecsTargets(e: Envelope): Targets {
  const cluster = (clusterArn: string): EventTarget => ({ kind: 'cluster', accountId: e.account, region: e.region, clusterArn });
  switch (e['detail-type']) {
    case 'ECS Task State Change': {
      const detail = ClusterDetail.safeParse(e.detail);
      return detail.success ? { kind: 'task-state', targets: [cluster(detail.data.clusterArn)] } : undefined;
    }
    case 'ECS Deployment State Change':
    case 'ECS Service Action': {
      const arns = [...new Set(e.resources.flatMap((r) => clusterArnOf(r) ?? []))];
      return arns.length > 0 ? { kind: 'deployment', targets: arns.map(cluster) } : undefined;
    }
    default:
      return undefined;
  }
}

function inspectorTargets(e: Envelope): Targets {
  const repository = (n: string): EventTarget => ({ kind: 'repository', accountId: e.account, region: e.region, repositoryName: repositoryName(n) });
  if (e['detail-type'] === 'Inspector2 Scan') {
    const detail = RepositoryDetail.safeParse(e.detail);
    return detail.success ? { kind: 'enhanced-scan', targets: [repository(detail.data['repository-name'])] } : undefined;
  }
  if (e['detail-type'] === 'Inspector2 Finding') {
    const detail = InspectorFindingDetail.safeParse(e.detail);
    if (!detail.success) return undefined;
    const names = new Set(detail.data.resources.map((r) => r.details.awsEcrContainerImage.repositoryName));
    return names.size > 0 ? { kind: 'enhanced-scan', targets: [...names].map(repository) } : undefined;
  }
  return undefined;
}

/** Parses one SQS message body: an EventBridge event, raw or wrapped in an SNS notification. */
export function parseEventMessage(body: string): EventParse {
  let value: unknown;
  try {
    value = JSON.parse(body);
    const sns = SnsNotification.safeParse(value);
    if (sns.success) value = JSON.parse(sns.data.Message);
  } catch {
    return { ignored: 'malformed' };
  }
  const envelope = Envelope.safeParse(value);
  if (!envelope.success) return { ignored: 'malformed' };
  const e = envelope.data;
  const at = Date.parse(e.time);
  if (!Number.isFinite(at)) return { ignored: 'malformed' };
  const found = e.source === 'aws.ecr' ? ecrTargets(e) : e.source === 'aws.ecs' ? ecsTargets(e) : e.source === 'aws.inspector2' ? inspectorTargets(e) : undefined;
  if (!found || found.targets.length === 0) return { ignored: 'unknown-event' };
  return { event: { id: e.id, kind: found.kind, at, targets: found.targets } };
}
