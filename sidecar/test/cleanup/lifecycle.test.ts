import { describe, expect, it } from 'vitest';
import { evaluateLifecyclePolicy, ecrTagMatcher } from '../../src/cleanup/plan/lifecycle/evaluate.js';
import type { LifecycleImage } from '../../src/cleanup/plan/lifecycle/evaluate.js';
import { parseLifecyclePolicy } from '../../src/cleanup/plan/lifecycle/policy.js';
import type { LifecyclePolicy } from '../../src/cleanup/plan/lifecycle/policy.js';
import { previewLifecycle, previewLifecycleCooperatively } from '../../src/cleanup/plan/lifecycle/preview.js';
import { countTurns } from '../support/turns.js';
import { DAY, NOW, makeImage, makeRepository, makeSnapshot, makeUse } from '../support/builders.js';

const HOUR = 3_600_000;

const img = (name: string, tags: string[], pushedAt: number, patch: Partial<LifecycleImage> = {}): LifecycleImage => ({
  digest: `sha256:${name}`,
  tags,
  pushedAt,
  status: 'ACTIVE',
  children: [],
  kind: 'image',
  ...patch,
});

function policy(rules: unknown[]): LifecyclePolicy {
  const parsed = parseLifecyclePolicy(JSON.stringify({ rules }));
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.policy;
}

const keep1 = (priority: number, prefix: string) => ({
  rulePriority: priority,
  selection: { tagStatus: 'tagged', tagPrefixList: [prefix], countType: 'imageCountMoreThan', countNumber: 1 },
  action: { type: 'expire' },
});

const expired = (policyValue: LifecyclePolicy, images: LifecycleImage[], now = NOW) =>
  evaluateLifecyclePolicy(policyValue, images, now)
    .actions.map((a) => [a.digest.slice(7), a.appliedRulePriority, a.action] as const)
    .sort();

describe('AWS worked examples', () => {
  const A = img('A', ['beta-1', 'prod-1'], NOW - 10 * DAY);
  const B = img('B', ['beta-2', 'prod-2'], NOW - 9 * DAY);
  const C = img('C', ['beta-3'], NOW - 8 * DAY);

  it('Example A: prod keep 1 before beta keep 1 expires A only', () => {
    expect(expired(policy([keep1(1, 'prod'), keep1(2, 'beta')]), [A, B, C])).toEqual([['A', 1, 'EXPIRE']]);
  });

  it('Example B: beta keep 1 before prod keep 1 expires A and B', () => {
    expect(expired(policy([keep1(1, 'beta'), keep1(2, 'prod')]), [A, B, C])).toEqual([
      ['A', 1, 'EXPIRE'],
      ['B', 1, 'EXPIRE'],
    ]);
  });

  it('multi-pattern lists select only images carrying a tag for every pattern', () => {
    const p = policy([
      {
        rulePriority: 1,
        selection: { tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
        action: { type: 'expire' },
      },
    ]);
    const both = img('both', ['alpha-1', 'beta-1'], NOW - 5 * DAY);
    const alpha = img('alpha', ['alpha-2'], NOW - 5 * DAY);
    const beta = img('beta', ['beta-2', 'gamma'], NOW - 5 * DAY);
    expect(expired(p, [both, alpha, beta])).toEqual([['both', 1, 'EXPIRE']]);
  });

  it('the combined example expires A, B and D', () => {
    const p = policy([
      {
        rulePriority: 1,
        selection: { tagStatus: 'tagged', tagPatternList: ['alpha*'], countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
        action: { type: 'expire' },
      },
      { rulePriority: 3, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
    ]);
    const images = [
      img('A', ['alpha-1', 'beta-1'], NOW - 4 * DAY),
      img('B', [], NOW - 3 * DAY),
      img('C', ['alpha-2'], NOW - 2 * DAY),
      img('D', ['git-hash'], NOW - DAY - HOUR),
      img('E', [], NOW - DAY + HOUR),
    ];
    expect(expired(p, images)).toEqual([
      ['A', 1, 'EXPIRE'],
      ['B', 2, 'EXPIRE'],
      ['D', 3, 'EXPIRE'],
    ]);
  });

  describe('archive examples', () => {
    const archiveThenExpire = policy([
      {
        rulePriority: 1,
        selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      },
      {
        rulePriority: 2,
        selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
        action: { type: 'expire' },
      },
    ]);

    it('transitions images not pulled for 90 days, falling back to push time, and expires long-archived ones', () => {
      const images = [
        img('pulledRecently', ['a'], NOW - 400 * DAY, { lastPulledAt: NOW - 10 * DAY }),
        img('pulledLongAgo', ['b'], NOW - 400 * DAY, { lastPulledAt: NOW - 100 * DAY }),
        img('neverPulledOld', ['c'], NOW - 91 * DAY),
        img('neverPulledYoung', ['d'], NOW - 89 * DAY),
        // Restored 10 days ago and not pulled since: lastActivatedAt counts, not the old pull.
        img('restored', ['e'], NOW - 400 * DAY, { lastPulledAt: NOW - 300 * DAY, lastActivatedAt: NOW - 10 * DAY }),
        img('archivedLong', ['f'], NOW - 900 * DAY, { status: 'ARCHIVED', lastArchivedAt: NOW - 400 * DAY }),
        img('archivedShort', ['g'], NOW - 900 * DAY, { status: 'ARCHIVED', lastArchivedAt: NOW - 100 * DAY }),
      ];
      const result = evaluateLifecyclePolicy(archiveThenExpire, images, NOW).actions;
      expect(result.map((a) => [a.digest.slice(7), a.appliedRulePriority, a.action, a.targetStorageClass ?? null, a.storageClass])).toEqual([
        ['pulledLongAgo', 1, 'TRANSITION', 'ARCHIVE', 'STANDARD'],
        ['neverPulledOld', 1, 'TRANSITION', 'ARCHIVE', 'STANDARD'],
        ['archivedLong', 2, 'EXPIRE', null, 'ARCHIVE'],
      ]);
    });

    it('accepts one any-rule per storage class', () => {
      expect(parseLifecyclePolicy(JSON.stringify(archiveThenExpire)).ok).toBe(true);
    });
  });
});

describe('evaluator semantics', () => {
  it('does not act on images an index references', () => {
    const p = policy([{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } }]);
    const child = img('child', [], NOW - 30 * DAY);
    const loose = img('loose', [], NOW - 30 * DAY);
    const index = img('index', ['v1'], NOW - 30 * DAY, { kind: 'index', children: [child.digest] });
    const result = evaluateLifecyclePolicy(p, [index, child, loose], NOW);
    expect(result.actions.map((a) => a.digest)).toEqual([loose.digest]);
    expect(result.protectedByIndex).toEqual([{ digest: child.digest, rulePriority: 1 }]);
  });

  it('referrers follow their expired subject', () => {
    const p = policy([keep1(1, 'v')]);
    const old = img('old', ['v1'], NOW - 30 * DAY);
    const young = img('young', ['v2'], NOW - DAY);
    const sig = img('sig', ['sha256-old.sig'], NOW - 29 * DAY, { kind: 'attestation', subjectDigest: old.digest });
    const actions = evaluateLifecyclePolicy(p, [old, young, sig], NOW).actions;
    expect(actions.map((a) => [a.digest.slice(7), a.via, a.appliedRulePriority])).toEqual([
      ['old', 'rule', 1],
      ['sig', 'subject', null],
    ]);
  });

  it('sinceImagePushed needs strictly more than N days', () => {
    const p = policy([{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }]);
    expect(expired(p, [img('exact', [], NOW - 7 * DAY), img('older', [], NOW - 7 * DAY - 1)])).toEqual([['older', 1, 'EXPIRE']]);
  });

  it('tag patterns are anchored globs with * only', () => {
    expect(['prod', 'prod1', 'production-team1', 'xprod'].filter(ecrTagMatcher('prod*'))).toEqual(['prod', 'prod1', 'production-team1']);
    expect(['a-prod-b', 'prod', 'nope'].filter(ecrTagMatcher('*prod*'))).toEqual(['a-prod-b', 'prod']);
    expect(['v1', 'v?'].filter(ecrTagMatcher('v?'))).toEqual(['v?']);
  });
});

describe('policy validation', () => {
  const base = { rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } };
  const errors = (value: unknown): readonly string[] => {
    const parsed = parseLifecyclePolicy(JSON.stringify(value));
    return parsed.ok ? [] : parsed.errors;
  };

  it('accepts a minimal policy', () => {
    expect(errors({ rules: [base] })).toEqual([]);
  });

  it('reports unknown keys at every level', () => {
    expect(errors({ rules: [base], extra: 1 }).join()).toMatch(/Unrecognized key.*extra/);
    expect(errors({ rules: [{ ...base, selection: { ...base.selection, foo: 1 } }] }).join()).toMatch(/rules\[0\]\.selection: Unrecognized key.*foo/);
  });

  it('reports tagStatus and tag-list combinations', () => {
    expect(errors({ rules: [{ ...base, selection: { ...base.selection, tagStatus: 'tagged' } }] })).toEqual([
      "rules[0].selection.tagStatus: tagStatus 'tagged' requires tagPatternList or tagPrefixList",
    ]);
    expect(errors({ rules: [{ ...base, selection: { ...base.selection, tagPrefixList: ['v'] } }] })).toEqual([
      "rules[0].selection.tagPrefixList: not allowed with tagStatus 'untagged'",
    ]);
    expect(
      errors({ rules: [{ ...base, selection: { ...base.selection, tagStatus: 'tagged', tagPrefixList: ['v'], tagPatternList: ['v*'] } }] }),
    ).toEqual(['rules[0].selection: tagPatternList and tagPrefixList cannot both be used in one rule']);
  });

  it('reports countUnit, storage class and action rules', () => {
    expect(errors({ rules: [{ ...base, selection: { ...base.selection, countUnit: 'days' } }] })).toEqual([
      'rules[0].selection.countUnit: not allowed with imageCountMoreThan',
    ]);
    expect(errors({ rules: [{ ...base, selection: { ...base.selection, countType: 'sinceImagePushed' } }] })).toEqual([
      'rules[0].selection.countUnit: required with sinceImagePushed',
    ]);
    expect(
      errors({ rules: [{ ...base, selection: { ...base.selection, countType: 'sinceImagePulled', countUnit: 'days' } }] }),
    ).toEqual(["rules[0].action.type: sinceImagePulled may only be used with 'transition'"]);
    expect(
      errors({ rules: [{ ...base, selection: { ...base.selection, countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 100 } }] }),
    ).toEqual(["rules[0].selection.storageClass: sinceImageTransitioned requires storageClass 'archive'"]);
    expect(errors({ rules: [{ ...base, selection: { ...base.selection, storageClass: 'archive' } }] })).toEqual([
      "rules[0].selection.storageClass: storageClass 'archive' is only allowed with sinceImageTransitioned",
    ]);
    expect(errors({ rules: [{ ...base, action: { type: 'transition' } }] })).toEqual(["rules[0].action.targetStorageClass: required with 'transition'"]);
    expect(errors({ rules: [{ ...base, selection: { ...base.selection, countNumber: 0 } }] })[0]).toMatch(/^rules\[0\]\.selection\.countNumber: /);
  });

  it("requires 'any' to be the last rule of its storage class, unique priorities, one untagged rule", () => {
    const any = { rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } };
    expect(errors({ rules: [any, { ...base, rulePriority: 2 }] })).toEqual([
      "rules[0].rulePriority: a rule with tagStatus 'any' must have the highest rulePriority value among standard rules, so it is evaluated last (2)",
    ]);
    expect(errors({ rules: [base, { ...base, selection: { ...base.selection, countNumber: 3 } }] })).toEqual([
      'rules[1].rulePriority: duplicate rulePriority 1 (also rules[0])',
      'rules[1].selection.tagStatus: only one standard rule may select untagged images',
    ]);
  });

  it('limits wildcards, rules and duplicate prefix sets', () => {
    const tagged = (priority: number, selection: object) => ({
      rulePriority: priority,
      selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1, ...selection },
      action: { type: 'expire' },
    });
    expect(errors({ rules: [tagged(1, { tagPatternList: ['*a*b*c*d*'] })] })).toEqual([
      'rules[0].selection.tagPatternList[0]: at most 4 wildcards (*) per pattern, got 5',
    ]);
    expect(errors({ rules: [tagged(1, { tagPatternList: ['*a*b*c*'] })] })).toEqual([]);
    expect(errors({ rules: [tagged(1, { tagPrefixList: ['a', 'b'] }), tagged(2, { tagPrefixList: ['b', 'a'] })] })).toEqual([
      'rules[1].selection.tagPrefixList: the same tagPrefixList as rules[0]: standard rules must have unique prefix sets',
    ]);
    const many = Array.from({ length: 51 }, (_, i) => tagged(i + 1, { tagPrefixList: [`p${i}`] }));
    expect(errors({ rules: many })[0]).toMatch(/^rules: /);
  });

  it('reports text that is not JSON', () => {
    expect(parseLifecyclePolicy('{rules').ok).toBe(false);
  });
});

describe('preview over a snapshot', () => {
  it('flags images ECR will expire that ECS still uses, and reports invalid policies, the same when made in steps', async () => {
    const text = JSON.stringify({
      rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    const repo = makeRepository({ name: 'api', lifecyclePolicyText: text });
    const broken = makeRepository({ name: 'broken', lifecyclePolicyText: '{"rules":[]}' });
    const plain = makeRepository({ name: 'plain' });
    const v1 = makeImage({ repository: repo, tags: ['v1'], pushedAt: NOW - 20 * DAY });
    const v2 = makeImage({ repository: repo, tags: ['v2'], pushedAt: NOW - 10 * DAY });
    const v3 = makeImage({ repository: repo, tags: ['v3'], pushedAt: NOW - DAY });
    const snapshot = makeSnapshot({
      repositories: [repo, broken, plain],
      images: [v1, v2, v3],
      uses: [makeUse({ reference: `${repo.uri}:v1`, cluster: 'prod', service: 'api', task: 'arn:aws:ecs:us-east-1:111111111111:task/prod/3f2a1b2c9d' })],
    });
    const inUse = { stoppedTaskWindowHours: 24, taskDefinitionRevisions: 5, nothingRunsFrom: [], unwatchedPullers: [] };
    const preview = previewLifecycle(snapshot, inUse, NOW);
    // Made in steps, one repository each, it is the same preview.
    const turns = countTurns();
    expect(await previewLifecycleCooperatively(snapshot, inUse, NOW, 0, 0)).toEqual(preview);
    expect(turns.stop()).toBeGreaterThanOrEqual(3);
    const api = preview.repositories.find((r) => r.repository.name === 'api')!;
    expect(api.actions.map((a) => [a.image.tags[0], a.inUse])).toEqual([
      ['v2', false],
      ['v1', true],
    ]);
    expect(api.summary).toMatchObject({ expiring: 2, inUseAtRisk: 1 });
    expect(api.actions[1]!.inUseReasons[0]!.text).toBe('kept: used by service api in cluster prod (running task 3f2a1b2c…), by tag v1');
    const brokenPreview = preview.repositories.find((r) => r.repository.name === 'broken')!;
    expect(brokenPreview.policy).toBe('invalid');
    expect(brokenPreview.errors[0]).toMatch(/^rules: /);
    expect(preview.repositories.find((r) => r.repository.name === 'plain')!.policy).toBe('none');
  });
});
