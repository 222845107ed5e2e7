/**
 * Reads one account-and-region's container-image Lambda functions into image uses: $LATEST, every version an
 * alias routes to (weighted routing included) and the newest N published versions. The image is the digest
 * Lambda resolved at deploy (Code.ResolvedImageUri), not the tag it was deployed from: moving a tag in ECR
 * does not change what a function runs. An alias is read through the version(s) ListAliases says it routes
 * to, so published versions, immutable, are read once and cached whether listed or aliased. Never throws;
 * anything unread is an Incomplete, so that a failure can never pass for "fewer uses".
 */
import type { FunctionConfiguration, GetFunctionResponse } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { errorMessage } from '../aws/ecr.js';
import type { LambdaFetcher } from '../aws/lambda.js';
import type { ImageUse, Incomplete } from '../snapshot/model.js';
import type { SourceRead } from '../uses/source.js';

/** What one version runs: the reference as Lambda reports it, and the digest when Lambda resolved one. */
export interface LambdaImage {
  readonly reference: string;
  readonly digest?: string;
}

/**
 * Published versions' images. A version is immutable, so its GetFunction answer is read once; the key holds
 * the version ARN, CodeSha256 and LastModified, so a function deleted and re-created (numbering starts again
 * at 1) is not mistaken for the old one.
 */
export class LambdaVersionCache {
  private readonly entries = new Map<string, LambdaImage>();

  get(key: string): LambdaImage | undefined {
    return this.entries.get(key);
  }

  set(key: string, image: LambdaImage): void {
    this.entries.set(key, image);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops the registry's entries that its latest read did not use. */
  retain(registry: string, used: ReadonlySet<string>): void {
    for (const key of this.entries.keys())
      if (key.startsWith(`${registry}|`) && !used.has(key)) this.entries.delete(key);
  }
}

export interface LambdaReadContext {
  readonly accountId: string;
  readonly region: string;
  readonly fetcher: Pick<LambdaFetcher, 'functions' | 'versions' | 'aliases' | 'function'>;
  /** The newest N published versions of each function count as uses. */
  readonly keepVersions: number;
  readonly cache: LambdaVersionCache;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const VERSION = /^[0-9]{1,10}$/;
const text = z.string().min(1).max(2048);

// The parts of Lambda's answers that decide uses, checked before they are trusted.
const FunctionEntry = z.object({ FunctionName: z.string().min(1).max(170), PackageType: z.string().optional() });
const VersionEntry = z.object({
  Version: text,
  FunctionArn: text.optional(),
  CodeSha256: z.string().optional(),
  LastModified: z.string().optional(),
});
const AliasEntry = z.object({
  Name: text,
  FunctionVersion: z.string().optional(),
  RoutingConfig: z
    .object({ AdditionalVersionWeights: z.record(z.string().regex(VERSION), z.number()).optional() })
    .optional(),
});
const CodeAnswer = z.object({
  Code: z
    .object({ RepositoryType: z.string().optional(), ImageUri: text.optional(), ResolvedImageUri: text.optional() })
    .optional(),
});

/** One GetFunction to make: `qualifier` is what is asked for, `labels` the use qualifiers it answers. */
interface Wanted {
  readonly qualifier: string | undefined;
  readonly labels: string[];
  /** Set for published versions listed by ListVersionsByFunction: their answer is cached. */
  readonly cacheKey?: string;
}

/**
 * The image an answer names, undefined for a zip (only when the listing did not say Image), or why the
 * answer cannot be trusted.
 */
function imageOf(answer: GetFunctionResponse, listedAsImage: boolean): LambdaImage | { problem: string } | undefined {
  const parsed = CodeAnswer.safeParse(answer);
  if (!parsed.success) return { problem: 'malformed Code' };
  const code = parsed.data.Code;
  if (!code?.ImageUri && !code?.ResolvedImageUri)
    return listedAsImage || code?.RepositoryType === 'ECR' ? { problem: 'no image in Code' } : undefined;
  const resolved = code.ResolvedImageUri;
  if (resolved) {
    const at = resolved.lastIndexOf('@');
    const digest = at > 0 ? resolved.slice(at + 1) : '';
    if (DIGEST.test(digest)) return { reference: resolved, digest };
    if (!code.ImageUri) return { problem: `ResolvedImageUri without a digest: ${resolved}` };
  }
  // Not resolved: the reference as deployed (a tag, or the implicit latest).
  return { reference: code.ImageUri! };
}

interface FunctionRead {
  readonly uses: ImageUse[];
  readonly incomplete: Incomplete[];
}

type Want = (qualifier: string | undefined, label: string, cacheKey?: string) => void;
type Fail = (operation: string, error: unknown) => void;

/**
 * Each alias through the version it routes to and its weighted versions, as ListAliases names them; the
 * uses keep the alias's name as qualifier. `listed` gives the cache keys of the versions listed.
 */
function wantAliases(entries: readonly unknown[], want: Want, listed: ReadonlyMap<string, string>, fail: Fail): void {
  for (const entry of entries) {
    const a = AliasEntry.safeParse(entry);
    if (!a.success) {
      fail('ListAliases', new Error('an alias entry without Name or with a malformed RoutingConfig'));
      continue;
    }
    const { Name: name, FunctionVersion: version } = a.data;
    if (version === '$LATEST') want(undefined, name);
    else if (version !== undefined && VERSION.test(version)) want(version, name, listed.get(version));
    // Lambda always names the version; without one, read the alias itself, uncached, rather than guess.
    else want(name, name);
    for (const v of Object.keys(a.data.RoutingConfig?.AdditionalVersionWeights ?? {})) want(v, name, listed.get(v));
  }
}

/** Lists a function's versions and aliases and decides which GetFunction calls its uses need. */
async function plan(ctx: LambdaReadContext, name: string, fail: Fail): Promise<Wanted[]> {
  const [versions, aliases] = await Promise.allSettled([ctx.fetcher.versions(name), ctx.fetcher.aliases(name)]);
  const wanted = new Map<string, Wanted>();
  const want: Want = (qualifier, label, cacheKey) => {
    const key = qualifier ?? '';
    const known = wanted.get(key);
    if (known) {
      if (!known.labels.includes(label)) known.labels.push(label);
    } else wanted.set(key, { qualifier, labels: [label], ...(cacheKey ? { cacheKey } : {}) });
  };
  want(undefined, '$LATEST');

  const listed = new Map<string, string>();
  if (versions.status === 'rejected') fail('ListVersionsByFunction', versions.reason);
  else {
    const published: number[] = [];
    for (const entry of versions.value) {
      const v = VersionEntry.safeParse(entry);
      if (!v.success) fail('ListVersionsByFunction', new Error('a version entry without Version'));
      else if (VERSION.test(v.data.Version)) {
        published.push(Number(v.data.Version));
        const arn = v.data.FunctionArn ?? `${name}:${v.data.Version}`;
        listed.set(
          v.data.Version,
          `${ctx.accountId}/${ctx.region}|${arn}|${v.data.CodeSha256 ?? ''}|${v.data.LastModified ?? ''}`,
        );
      }
    }
    // Newest first by number: the listing order is not promised.
    published.sort((a, b) => b - a);
    for (const v of published.slice(0, Math.max(0, ctx.keepVersions)))
      want(String(v), String(v), listed.get(String(v)));
  }

  if (aliases.status === 'rejected') fail('ListAliases', aliases.reason);
  else wantAliases(aliases.value, want, listed, fail);
  return [...wanted.values()];
}

/** One qualifier's image: from the cache for a listed published version, else GetFunction; or why not. */
async function imageFor(
  ctx: LambdaReadContext,
  name: string,
  w: Wanted,
  listedAsImage: boolean,
): Promise<LambdaImage | { problem: string } | undefined> {
  const cached = w.cacheKey ? ctx.cache.get(w.cacheKey) : undefined;
  if (cached) return cached;
  let answer: GetFunctionResponse;
  try {
    answer = await ctx.fetcher.function(name, w.qualifier);
  } catch (error) {
    return { problem: errorMessage(error) };
  }
  const found = imageOf(answer, listedAsImage);
  if (found && !('problem' in found) && w.cacheKey) ctx.cache.set(w.cacheKey, found);
  return found;
}

async function readFunction(
  ctx: LambdaReadContext,
  name: string,
  listedAsImage: boolean,
  used: Set<string>,
): Promise<FunctionRead> {
  const incomplete: Incomplete[] = [];
  const fail = (operation: string, error: unknown): void => {
    incomplete.push({
      scope: 'lambda',
      accountId: ctx.accountId,
      region: ctx.region,
      target: name,
      operation,
      error: errorMessage(error),
    });
  };
  const wanted = await plan(ctx, name, fail);
  const images = await Promise.all(wanted.map((w) => imageFor(ctx, name, w, listedAsImage)));
  const uses: ImageUse[] = [];
  const failures: string[] = [];
  wanted.forEach((w, i) => {
    const image = images[i];
    if (!image) return;
    if ('problem' in image) {
      failures.push(`${w.qualifier ?? '$LATEST'}: ${image.problem}`);
      return;
    }
    if (w.cacheKey) used.add(w.cacheKey);
    for (const qualifier of w.labels)
      uses.push({
        kind: 'lambda-function',
        accountId: ctx.accountId,
        region: ctx.region,
        functionName: name,
        qualifier,
        reference: image.reference,
        ...(image.digest ? { digest: image.digest } : {}),
      });
  });
  if (failures.length > 0) {
    const first = failures.sort()[0]!;
    fail(
      'GetFunction',
      new Error(failures.length === 1 ? first : `${failures.length} qualifiers unread; first: ${first}`),
    );
  }
  return { uses, incomplete };
}

/** Reads the registry's Lambda uses. Zip functions are skipped; a function without PackageType is read to be safe. */
export async function readLambda(ctx: LambdaReadContext): Promise<SourceRead> {
  const { accountId, region } = ctx;
  let functions: FunctionConfiguration[];
  try {
    functions = await ctx.fetcher.functions();
  } catch (error) {
    return {
      uses: [],
      incomplete: [{ scope: 'lambda', accountId, region, operation: 'ListFunctions', error: errorMessage(error) }],
    };
  }
  const incomplete: Incomplete[] = [];
  const images: { name: string; listedAsImage: boolean }[] = [];
  for (const entry of functions) {
    const fn = FunctionEntry.safeParse(entry);
    if (!fn.success)
      incomplete.push({
        scope: 'lambda',
        accountId,
        region,
        operation: 'ListFunctions',
        error: 'a function entry without FunctionName',
      });
    else if (fn.data.PackageType !== 'Zip')
      images.push({ name: fn.data.FunctionName, listedAsImage: fn.data.PackageType === 'Image' });
  }
  const used = new Set<string>();
  const reads = await Promise.all(images.map((f) => readFunction(ctx, f.name, f.listedAsImage, used)));
  ctx.cache.retain(`${accountId}/${region}`, used);
  const uses = reads.flatMap((r) => r.uses);
  // Two labels can meet on one version (an alias and the newest-N list); keep one use per identity.
  const seen = new Set<string>();
  const unique = uses.filter((u) => {
    const key = `${u.functionName}|${u.qualifier}|${u.reference}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return { uses: unique, incomplete: [...incomplete, ...reads.flatMap((r) => r.incomplete)] };
}
