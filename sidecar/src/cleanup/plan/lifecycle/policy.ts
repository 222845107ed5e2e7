/**
 * ECR lifecycle policy JSON: schema and policy-level validation (reference §5, "JSON shape" and
 * "Policy-level validity"). Invalid policies are reported with every reason found.
 */
import { z } from 'zod';

export const MAX_RULES = 50;
export const MAX_POLICY_CHARS = 30_720;
export const MAX_WILDCARDS = 4;
/** Inferred from "cannot delete images that have been in archive for less than 90 days" (unverified). */
export const MIN_ARCHIVE_DAYS = 90;

const Selection = z
  .object({
    tagStatus: z.enum(['tagged', 'untagged', 'any']),
    tagPatternList: z.array(z.string().min(1)).min(1).optional(),
    tagPrefixList: z.array(z.string().min(1)).min(1).optional(),
    storageClass: z.enum(['standard', 'archive']).optional(),
    countType: z.enum(['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned']),
    countUnit: z.literal('days').optional(),
    countNumber: z.number().int().min(1),
  })
  .strict();

const Action = z
  .object({
    type: z.enum(['expire', 'transition']),
    targetStorageClass: z.literal('archive').optional(),
  })
  .strict();

const Rule = z
  .object({
    rulePriority: z.number().int().min(1),
    description: z.string().optional(),
    selection: Selection,
    action: Action,
  })
  .strict()
  .superRefine((rule, ctx) => {
    const s = rule.selection;
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    if (s.tagPatternList && s.tagPrefixList) issue(['selection'], 'tagPatternList and tagPrefixList cannot both be used in one rule');
    if (s.tagStatus === 'tagged' && !s.tagPatternList && !s.tagPrefixList) {
      issue(['selection', 'tagStatus'], "tagStatus 'tagged' requires tagPatternList or tagPrefixList");
    }
    if (s.tagStatus !== 'tagged' && (s.tagPatternList || s.tagPrefixList)) {
      issue(['selection', s.tagPatternList ? 'tagPatternList' : 'tagPrefixList'], `not allowed with tagStatus '${s.tagStatus}'`);
    }
    s.tagPatternList?.forEach((pattern, i) => {
      const stars = pattern.split('*').length - 1;
      if (stars > MAX_WILDCARDS) issue(['selection', 'tagPatternList', i], `at most ${MAX_WILDCARDS} wildcards (*) per pattern, got ${stars}`);
    });
    if (s.countType === 'imageCountMoreThan' && s.countUnit) issue(['selection', 'countUnit'], 'not allowed with imageCountMoreThan');
    if (s.countType !== 'imageCountMoreThan' && !s.countUnit) issue(['selection', 'countUnit'], `required with ${s.countType}`);
    const storage = s.storageClass ?? 'standard';
    if (s.countType === 'sinceImageTransitioned') {
      if (storage !== 'archive') issue(['selection', 'storageClass'], "sinceImageTransitioned requires storageClass 'archive'");
      if (rule.action.type !== 'expire') issue(['action', 'type'], "sinceImageTransitioned may only be used with 'expire'");
      if (s.countNumber < MIN_ARCHIVE_DAYS) issue(['selection', 'countNumber'], `archived images must be kept at least ${MIN_ARCHIVE_DAYS} days`);
    } else if (storage !== 'standard') {
      issue(['selection', 'storageClass'], `storageClass 'archive' is only allowed with sinceImageTransitioned`);
    }
    if (s.countType === 'sinceImagePulled' && rule.action.type !== 'transition') {
      issue(['action', 'type'], "sinceImagePulled may only be used with 'transition'");
    }
    if (rule.action.type === 'transition' && !rule.action.targetStorageClass) issue(['action', 'targetStorageClass'], "required with 'transition'");
    if (rule.action.type === 'expire' && rule.action.targetStorageClass) issue(['action', 'targetStorageClass'], "not allowed with 'expire'");
  });

export const LifecyclePolicy = z
  .object({ rules: z.array(Rule).min(1).max(MAX_RULES) })
  .strict()
  .superRefine((policy, ctx) => {
    const seen = new Map<number, number>();
    policy.rules.forEach((rule, i) => {
      const first = seen.get(rule.rulePriority);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'rulePriority'], message: `duplicate rulePriority ${rule.rulePriority} (also rules[${first}])` });
      } else seen.set(rule.rulePriority, i);
    });
    for (const storage of ['standard', 'archive'] as const) {
      const inClass = policy.rules
        .map((rule, index) => ({ rule, index }))
        .filter(({ rule }) => (rule.selection.storageClass ?? 'standard') === storage);
      if (!inClass.length) continue;
      const highest = Math.max(...inClass.map(({ rule }) => rule.rulePriority));
      for (const { rule, index } of inClass) {
        if (rule.selection.tagStatus === 'any' && rule.rulePriority !== highest) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', index, 'rulePriority'],
            message: `a rule with tagStatus 'any' must have the highest rulePriority value among ${storage} rules, so it is evaluated last (${highest})`,
          });
        }
      }
      const untagged = inClass.filter(({ rule }) => rule.selection.tagStatus === 'untagged');
      for (const { index } of untagged.slice(1)) {
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'selection', 'tagStatus'], message: `only one ${storage} rule may select untagged images` });
      }
      const prefixSets = new Map<string, number>();
      for (const { rule, index } of inClass) {
        if (!rule.selection.tagPrefixList) continue;
        const key = [...new Set(rule.selection.tagPrefixList)].sort().join('\u0000');
        const other = prefixSets.get(key);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', index, 'selection', 'tagPrefixList'],
            message: `the same tagPrefixList as rules[${other}]: ${storage} rules must have unique prefix sets`,
          });
        } else prefixSets.set(key, index);
      }
    }
  });

export type LifecyclePolicy = z.output<typeof LifecyclePolicy>;
export type LifecycleRule = LifecyclePolicy['rules'][number];

export type ParsedPolicy = { readonly ok: true; readonly policy: LifecyclePolicy } | { readonly ok: false; readonly errors: readonly string[] };

const pathText = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');

/** Parses and validates a lifecycle policy text; errors read `rules[0].selection.countUnit: required with sinceImagePushed`. */
export function parseLifecyclePolicy(text: string): ParsedPolicy {
  if (text.length > MAX_POLICY_CHARS) return { ok: false, errors: [`policy text is ${text.length} characters; at most ${MAX_POLICY_CHARS}`] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not JSON: ${(error as Error).message}`] };
  }
  const parsed = LifecyclePolicy.safeParse(json);
  if (parsed.success) return { ok: true, policy: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((i) => {
      const where = pathText(i.path);
      return where ? `${where}: ${i.message}` : i.message;
    }),
  };
}
