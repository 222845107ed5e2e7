/**
 * The Lambda part of a fixture registry: functions with their $LATEST code, published versions and aliases.
 * Self-contained (fixture.ts imports it), so that the two modules do not import each other.
 */
import { z } from 'zod';

const epochSeconds = z.number().nonnegative().describe('Epoch seconds (fractions allowed)');
const digest = z
  .string()
  .regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/, 'must be an OCI digest such as sha256:<64 hex>');

/** Lambda's function-name pattern (names only; ARNs are accepted by the API, not in fixtures). */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Alias names: Lambda's `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`, the all-digits exclusion checked separately. */
export const ALIAS_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
export const VERSION_NUMBER = /^[0-9]{1,10}$/;
export const LATEST = '$LATEST';

export const LambdaCodeSchema = z.object({
  imageUri: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe(
      'Image functions: <account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest], as deployed; no tag means :latest',
    ),
  resolvedDigest: digest
    .optional()
    .describe(
      'The digest Lambda resolved at deploy. Absent: resolved from the fixture ECR images when the emulator starts; if not found there, GetFunction omits ResolvedImageUri',
    ),
  lastModified: epochSeconds.optional().describe('Default 0'),
  description: z.string().max(256).optional(),
});

export const LambdaVersionSchema = LambdaCodeSchema.extend({
  version: z.number().int().positive().describe('Published version number'),
});

export const LambdaAliasSchema = z.object({
  name: z
    .string()
    .regex(ALIAS_NAME, 'must be 1-128 of [a-zA-Z0-9_-]')
    .refine((n) => !VERSION_NUMBER.test(n), 'must not be all digits'),
  functionVersion: z.string().regex(/^(?:\$LATEST|[0-9]{1,10})$/, 'must be $LATEST or a version number'),
  additionalVersionWeights: z
    .record(z.string().regex(VERSION_NUMBER, 'keys must be version numbers'), z.number().min(0).max(1))
    .optional()
    .describe('Weighted routing: at most one other published version and its share of traffic (0..1)'),
  description: z.string().max(256).optional(),
});

export const LambdaFunctionSchema = z.object({
  name: z.string().regex(FUNCTION_NAME, 'must be 1-64 of [a-zA-Z0-9_-]'),
  packageType: z.enum(['Image', 'Zip']).optional().describe('Default Image'),
  runtime: z.string().optional().describe('Zip functions only, default python3.12'),
  handler: z.string().optional().describe('Zip functions only, default app.handler'),
  latest: LambdaCodeSchema.describe('The unpublished version ($LATEST)'),
  versions: z
    .array(LambdaVersionSchema)
    .optional()
    .describe(
      'Published versions, in the order ListVersionsByFunction lists them after $LATEST (AWS promises no order)',
    ),
  aliases: z.array(LambdaAliasSchema).optional(),
});

export const LambdaSchema = z
  .object({ functions: z.array(LambdaFunctionSchema) })
  .describe('Lambda functions in this account and region')
  .superRefine((lambda, ctx) => {
    const names = new Set<string>();
    lambda.functions.forEach((fn, f) => {
      const path = ['functions', f];
      if (names.has(fn.name))
        ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `duplicate function ${fn.name}` });
      names.add(fn.name);
      for (const issue of functionIssues(fn))
        ctx.addIssue({ code: 'custom', path: [...path, ...issue.path], message: issue.message });
    });
  });

export type FixtureLambda = z.infer<typeof LambdaSchema>;
export type FixtureLambdaFunction = z.infer<typeof LambdaFunctionSchema>;
export type FixtureLambdaCode = z.infer<typeof LambdaCodeSchema>;
export type FixtureLambdaVersion = z.infer<typeof LambdaVersionSchema>;
export type FixtureLambdaAlias = z.infer<typeof LambdaAliasSchema>;

interface Issue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** What Lambda itself would refuse: code that does not fit the package type, aliases to missing versions. */
function functionIssues(fn: FixtureLambdaFunction): Issue[] {
  const issues: Issue[] = [];
  const image = (fn.packageType ?? 'Image') === 'Image';
  const checkCode = (code: FixtureLambdaCode, path: (string | number)[]): void => {
    if (image && !code.imageUri)
      issues.push({ path: [...path, 'imageUri'], message: 'an Image function needs imageUri' });
    if (!image && (code.imageUri || code.resolvedDigest)) issues.push({ path, message: 'a Zip function has no image' });
  };
  checkCode(fn.latest, ['latest']);
  const versions = new Set<string>();
  (fn.versions ?? []).forEach((v, i) => {
    if (versions.has(String(v.version)))
      issues.push({ path: ['versions', i, 'version'], message: `duplicate version ${v.version}` });
    versions.add(String(v.version));
    checkCode(v, ['versions', i]);
  });
  const aliases = new Set<string>();
  (fn.aliases ?? []).forEach((a, i) => {
    const path = ['aliases', i];
    if (aliases.has(a.name)) issues.push({ path: [...path, 'name'], message: `duplicate alias ${a.name}` });
    aliases.add(a.name);
    const message = aliasProblem(a.functionVersion, a.additionalVersionWeights, (v) => versions.has(v));
    if (message) issues.push({ path, message });
  });
  return issues;
}

/**
 * Lambda's alias rules: the version exists; weighted routing names at most one other published version,
 * and then the alias cannot point to $LATEST (AWS: "Both versions must be published").
 */
export function aliasProblem(
  functionVersion: string,
  weights: Readonly<Record<string, number>> | undefined,
  published: (version: string) => boolean,
): string | undefined {
  if (functionVersion !== LATEST && !published(functionVersion)) return `version ${functionVersion} is not published`;
  const extra = Object.keys(weights ?? {});
  if (extra.length === 0) return undefined;
  if (extra.length > 1) return 'weighted routing takes at most one additional version';
  if (functionVersion === LATEST) return 'a weighted alias cannot point to $LATEST';
  if (extra[0] === functionVersion) return 'the additional version must differ from the primary version';
  if (!published(extra[0]!)) return `version ${extra[0]} is not published`;
  return undefined;
}
