/**
 * Admin routes that change Lambda state as a deployment would: create or update a function's $LATEST
 * (resolving the image digest from the emulator's ECR at that moment), publish a version, set an alias.
 */
import { z } from 'zod';
import type { AdminReply } from './admin-reply.js';
import { ALIAS_NAME, FUNCTION_NAME, LambdaAliasSchema } from './lambda-fixture.js';
import { FunctionState, imageResolver } from './lambda-state.js';
import type { LambdaCode } from './lambda-state.js';
import type { EmulatorStore } from './store.js';

const target = {
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().min(1).optional(),
};

const FunctionBody = z.object({
  ...target,
  name: z.string().regex(FUNCTION_NAME, 'must be 1-64 of [a-zA-Z0-9_-]'),
  packageType: z.enum(['Image', 'Zip']).optional(),
  imageUri: z.string().min(1).max(1024).optional(),
  runtime: z.string().min(1).max(64).optional(),
  handler: z.string().min(1).max(128).optional(),
  description: z.string().max(256).optional(),
});
const PublishBody = z.object({
  ...target,
  functionName: z.string().regex(FUNCTION_NAME),
  description: z.string().max(256).optional(),
});
const AliasBody = z.object({
  ...target,
  functionName: z.string().regex(FUNCTION_NAME),
  name: z.string().regex(ALIAS_NAME),
  functionVersion: LambdaAliasSchema.shape.functionVersion,
  additionalVersionWeights: LambdaAliasSchema.shape.additionalVersionWeights,
  description: z.string().max(256).optional(),
});

const fail = (status: number, error: string): AdminReply => ({ status, body: { error } });

function parse<T>(schema: z.ZodType<T>, body: unknown): T | AdminReply {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  return fail(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
}

const isReply = (v: unknown): v is AdminReply => typeof v === 'object' && v !== null && 'status' in v && 'body' in v;

type Where = (b: { accountId?: string | undefined; region?: string | undefined }) => [string, string];

/** Creates a function, or deploys new code to its $LATEST (UpdateFunctionCode). */
function putFunction(store: EmulatorStore, where: Where, body: unknown, now: number): AdminReply {
  const b = parse(FunctionBody, body);
  if (isReply(b)) return b;
  const [accountId, region] = where(b);
  const registry = store.registry(accountId, region);
  if (!registry) return fail(404, `region: no registry ${accountId}/${region}`);
  const known = registry.lambda.byName.get(b.name);
  const packageType = b.packageType ?? known?.packageType ?? 'Image';
  if (known && known.packageType !== packageType)
    return fail(400, `packageType: ${b.name} is a ${known.packageType} function`);
  const code: { -readonly [K in keyof LambdaCode]: LambdaCode[K] } = { lastModified: now / 1000 };
  if (b.description !== undefined) code.description = b.description;
  if (packageType === 'Image') {
    if (!b.imageUri) return fail(400, 'imageUri: an Image function needs imageUri');
    // Lambda resolves the tag once, at deploy: a later push of the same tag does not change the function.
    const resolved = imageResolver(store.repository.bind(store), region)(b.imageUri);
    if ('error' in resolved) return fail(400, `imageUri: ${resolved.error}`);
    code.imageUri = b.imageUri;
    code.resolvedImageUri = resolved.resolvedImageUri;
  } else if (b.imageUri) return fail(400, 'imageUri: a Zip function has no image');
  if (known) {
    known.latest = code;
    known.revision++;
  } else
    registry.lambda.add(
      new FunctionState(
        accountId,
        region,
        b.name,
        packageType,
        code,
        ...(packageType === 'Zip' ? [b.runtime ?? 'python3.12', b.handler ?? 'app.handler'] : []),
      ),
    );
  return {
    status: 200,
    body: {
      functionName: b.name,
      version: '$LATEST',
      created: !known,
      ...(code.imageUri ? { imageUri: code.imageUri, resolvedImageUri: code.resolvedImageUri } : {}),
    },
  };
}

function publish(store: EmulatorStore, where: Where, body: unknown, now: number): AdminReply {
  const b = parse(PublishBody, body);
  if (isReply(b)) return b;
  const fn = store.registry(...where(b))?.lambda.byName.get(b.functionName);
  if (!fn) return fail(404, `functionName: no function ${b.functionName}`);
  const { version, created } = fn.publish(now / 1000, b.description);
  return { status: 200, body: { functionName: fn.name, version: String(version), created } };
}

function putAlias(store: EmulatorStore, where: Where, body: unknown): AdminReply {
  const b = parse(AliasBody, body);
  if (isReply(b)) return b;
  if (/^[0-9]+$/.test(b.name)) return fail(400, 'name: an alias name cannot be all digits');
  const fn = store.registry(...where(b))?.lambda.byName.get(b.functionName);
  if (!fn) return fail(404, `functionName: no function ${b.functionName}`);
  const problem = fn.setAlias(b.name, b.functionVersion, b.additionalVersionWeights, b.description);
  if (problem) return fail(400, `functionVersion: ${problem}`);
  const alias = fn.aliasByName.get(b.name)!;
  return {
    status: 200,
    body: {
      functionName: fn.name,
      alias: alias.name,
      functionVersion: alias.functionVersion,
      ...(alias.weights ? { additionalVersionWeights: alias.weights } : {}),
    },
  };
}

/** Answers `POST /lambda/...` admin routes; undefined for any other route. `now` is epoch ms. */
export function handleLambdaAdmin(
  store: EmulatorStore,
  route: string,
  body: unknown,
  now: number,
): AdminReply | undefined {
  const where: Where = (b) => [b.accountId ?? store.defaultAccountId, b.region ?? store.defaultRegion];
  switch (route) {
    case 'POST /lambda/functions':
      return putFunction(store, where, body, now);
    case 'POST /lambda/publish':
      return publish(store, where, body, now);
    case 'POST /lambda/aliases':
      return putAlias(store, where, body);
    default:
      return undefined;
  }
}
