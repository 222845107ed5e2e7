import { QUERY_FILTERS } from '@ecr-lens/contract';

import {
  DECISIONS,
  IMAGE_KINDS,
  SCAN_STATES,
  SEVERITIES,
  SEVERITY_LEVELS,
  USE_KINDS,
  type FilterKey,
  type QueryType,
} from '../../types';

export type FilterSpec =
  | { key: FilterKey; kind: 'list'; label: string; help: string; placeholder: string }
  | { key: FilterKey; kind: 'text' | 'date'; label: string; help: string; placeholder: string }
  | { key: FilterKey; kind: 'number'; label: string; help: string; placeholder: string }
  | { key: FilterKey; kind: 'boolean'; label: string; help: string }
  | { key: FilterKey; kind: 'single'; label: string; help: string; options: readonly string[] }
  | { key: FilterKey; kind: 'multi'; label: string; help: string; options: readonly string[] };

const VARIABLES_HINT = 'Comma-separated; template variables such as $repository work, multi-value ones included.';

export const FILTER_SPECS: Record<FilterKey, FilterSpec> = {
  registry: {
    key: 'registry',
    kind: 'list',
    label: 'Registry',
    help: `AWS account ids (12 digits). ${VARIABLES_HINT}`,
    placeholder: 'All registries',
  },
  region: {
    key: 'region',
    kind: 'list',
    label: 'Region',
    help: `AWS regions. ${VARIABLES_HINT}`,
    placeholder: 'All regions',
  },
  repository: {
    key: 'repository',
    kind: 'list',
    label: 'Repository',
    help: `Repository name globs: * any run, ? one character, {a,b} alternatives. ${VARIABLES_HINT}`,
    placeholder: 'All repositories',
  },
  tag: {
    key: 'tag',
    kind: 'list',
    label: 'Tag',
    help: `Image tag globs, e.g. v1.* or release-{a,b}. ${VARIABLES_HINT}`,
    placeholder: 'Any tag',
  },
  cluster: {
    key: 'cluster',
    kind: 'list',
    label: 'Cluster',
    help: `ECS cluster names. ${VARIABLES_HINT}`,
    placeholder: 'Any cluster',
  },
  digest: {
    key: 'digest',
    kind: 'text',
    label: 'Image digest',
    help: 'Required for findings: the image whose CVEs to list, as sha256:<64 hex>. Copy it from the images query.',
    placeholder: 'Choose an image digest',
  },
  minSeverity: {
    key: 'minSeverity',
    kind: 'single',
    label: 'Min severity',
    help: 'Only images or findings at this severity or worse.',
    options: SEVERITIES,
  },
  scanState: {
    key: 'scanState',
    kind: 'multi',
    label: 'Scan state',
    help: 'Only images whose scan is in one of these states. Not scanned is never shown as zero findings.',
    options: SCAN_STATES,
  },
  kind: {
    key: 'kind',
    kind: 'multi',
    label: 'Image kind',
    help: 'image: a single-platform manifest; index: a multi-platform list; attestation: signatures and SBOMs attached to an image.',
    options: IMAGE_KINDS,
  },
  decision: {
    key: 'decision',
    kind: 'multi',
    label: 'Decision',
    help: 'Cleanup decision: delete (candidate), keep, or blocked (would be deleted but something still uses it).',
    options: DECISIONS,
  },
  pushedAfter: {
    key: 'pushedAfter',
    kind: 'date',
    label: 'Pushed after',
    help: 'ISO-8601 date-time or epoch milliseconds; $__from works too.',
    placeholder: 'Any time (ISO date, epoch ms, $__from)',
  },
  pushedBefore: {
    key: 'pushedBefore',
    kind: 'date',
    label: 'Pushed before',
    help: 'ISO-8601 date-time or epoch milliseconds; $__to works too.',
    placeholder: 'Any time (ISO date, epoch ms, $__to)',
  },
  pulledAfter: {
    key: 'pulledAfter',
    kind: 'date',
    label: 'Pulled after',
    help: 'Last recorded pull at or after this time.',
    placeholder: 'Any time (ISO date, epoch ms, $__from)',
  },
  pulledBefore: {
    key: 'pulledBefore',
    kind: 'date',
    label: 'Pulled before',
    help: 'Last recorded pull before this time.',
    placeholder: 'Any time (ISO date, epoch ms, $__to)',
  },
  olderThanDays: {
    key: 'olderThanDays',
    kind: 'number',
    label: 'Older than (days)',
    help: 'Pushed more than this many days ago.',
    placeholder: 'days',
  },
  notPulledForDays: {
    key: 'notPulledForDays',
    kind: 'number',
    label: 'Not pulled for (days)',
    help: 'No recorded pull for this many days (or never pulled).',
    placeholder: 'days',
  },
  notUsedForDays: {
    key: 'notUsedForDays',
    kind: 'number',
    label: 'Not used for (days)',
    help: 'Last used (by any in-use source, now or as remembered by the usage ledger) this many days ago or more, or never seen used.',
    placeholder: 'days',
  },
  level: {
    key: 'level',
    kind: 'single',
    label: 'Per',
    help: 'Severity: findings per repository (the default) or per image. Cleanup: one row per image (the default) or per repository, with its status and why it is blocked.',
    options: SEVERITY_LEVELS,
  },
  useKind: {
    key: 'useKind',
    kind: 'multi',
    label: 'Used by',
    help: 'running-task: tasks running now; stopped-task: tasks stopped recently; service: service deployments; task-definition: the newest revisions of each family; lambda-function: Lambda versions and aliases; pod: Kubernetes pods; keep-list: entries of a keep list.',
    options: USE_KINDS,
  },
  inUse: {
    key: 'inUse',
    kind: 'boolean',
    label: 'In use',
    help: 'Whether any in-use source (ECS, Lambda, Kubernetes, keep lists) uses the image now.',
  },
  untagged: { key: 'untagged', kind: 'boolean', label: 'Untagged', help: 'Whether the image has no tag.' },
};

export interface QueryTypeInfo {
  label: string;
  description: string;
  /** The filters the sidecar accepts for the type (the contract's QUERY_FILTERS); any other is a 400. */
  filters: readonly FilterKey[];
}

export const QUERY_TYPE_INFO: Record<QueryType, QueryTypeInfo> = {
  repositories: {
    label: 'Repositories',
    description:
      'One row per repository: settings, image counts, total and deduplicated size, monthly cost, last push and pull, lifecycle policy, replication and cross-account access.',
    filters: QUERY_FILTERS.repositories,
  },
  images: {
    label: 'Images',
    description:
      'One row per image: digest, tags, kind, push time, size, last pull, scan state, severity counts, what uses it now and when it was last used.',
    filters: QUERY_FILTERS.images,
  },
  cost: {
    label: 'Cost',
    description:
      'Storage cost per repository: the sum of image sizes (what other tools show, an upper bound), the deduplicated size ECR bills, the monthly cost and what cleanup would reclaim.',
    filters: QUERY_FILTERS.cost,
  },
  severity: {
    label: 'Severity',
    description:
      'Vulnerability counts (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED) per repository and per image.',
    filters: QUERY_FILTERS.severity,
  },
  findings: {
    label: 'Findings',
    description:
      'The CVE list of one image: name, severity, package, version, fixed-in version and a link to the advisory. Needs the image digest.',
    filters: QUERY_FILTERS.findings,
  },
  usage: {
    label: 'Usage',
    description:
      'Which image each ECS cluster, service and task, Lambda function, pod and keep list uses, now or (remembered by the usage ledger) in the past.',
    filters: QUERY_FILTERS.usage,
  },
  cleanup: {
    label: 'Cleanup',
    description:
      'The cleanup plan: every image with its decision (delete, keep, blocked) and the reasons. Running images are never candidates.',
    filters: QUERY_FILTERS.cleanup,
  },
  lifecycle: {
    label: 'Lifecycle',
    description: "A preview of each repository's ECR lifecycle policy: which images its rules would expire.",
    filters: QUERY_FILTERS.lifecycle,
  },
};
