/**
 * The emulator's Lambda state per registry: functions with their $LATEST code, published versions (immutable
 * copies of $LATEST) and aliases. Image functions keep the digest resolved at deploy, as Lambda does: moving
 * the tag in ECR afterwards does not change what the function runs.
 */
import { createHash } from 'node:crypto';
import { INDEX_MEDIA_TYPES } from './fixture.js';
import type { FixtureLambda, FixtureLambdaCode, FixtureLambdaFunction } from './lambda-fixture.js';
import { aliasProblem } from './lambda-fixture.js';

export interface LambdaCode {
  /** As deployed (tag, digest or neither). Absent for Zip functions. */
  readonly imageUri?: string;
  /** `<repository uri>@<digest>`: what Lambda resolved at deploy. Absent when it could not be resolved. */
  readonly resolvedImageUri?: string;
  /** Epoch seconds. */
  readonly lastModified: number;
  readonly description?: string;
}

export interface PublishedVersion extends LambdaCode {
  readonly version: number;
}

export interface AliasRecord {
  readonly name: string;
  functionVersion: string;
  weights: Readonly<Record<string, number>> | undefined;
  description: string | undefined;
  /** Bumped on every update, for RevisionId. */
  revision: number;
}

/** Resolves an image URI as Lambda does at deploy, or says why it cannot. */
export type ImageResolver = (imageUri: string) => { resolvedImageUri: string } | { error: string };

export class FunctionState {
  readonly arn: string;
  latest: LambdaCode;
  /** In listing order. */
  readonly versions: PublishedVersion[] = [];
  readonly byVersion = new Map<string, PublishedVersion>();
  readonly aliases: AliasRecord[] = [];
  readonly aliasByName = new Map<string, AliasRecord>();
  /** Highest version number ever published: numbers are never reused. */
  lastVersion = 0;
  /** Bumped on every $LATEST update, for RevisionId. */
  revision = 0;
  /** $LATEST's revision when last published (zip functions: any deploy since is new code). */
  private publishedRevision = 0;

  constructor(
    readonly accountId: string,
    readonly region: string,
    readonly name: string,
    readonly packageType: 'Image' | 'Zip',
    latest: LambdaCode,
    readonly runtime?: string,
    readonly handler?: string,
  ) {
    this.arn = `arn:aws:lambda:${region}:${accountId}:function:${name}`;
    this.latest = latest;
  }

  addVersion(version: PublishedVersion): void {
    this.versions.push(version);
    this.byVersion.set(String(version.version), version);
    this.lastVersion = Math.max(this.lastVersion, version.version);
  }

  /**
   * Publishes $LATEST. Lambda publishes nothing when $LATEST equals the newest published version, and
   * answers with that version instead. Image code is compared as CodeSha256 is, by the resolved image
   * (`repo:tag` and `repo@digest` naming one image are the same code); a zip counts as changed by any deploy.
   */
  publish(now: number, description?: string): { version: number; created: boolean } {
    const newest = this.byVersion.get(String(this.lastVersion));
    const latest = this.latest;
    const unchanged =
      newest !== undefined &&
      (this.packageType === 'Zip'
        ? this.revision === this.publishedRevision
        : latest.resolvedImageUri || newest.resolvedImageUri
          ? latest.resolvedImageUri === newest.resolvedImageUri
          : latest.imageUri === newest.imageUri);
    if (unchanged) return { version: newest.version, created: false };
    this.publishedRevision = this.revision;
    const version = this.lastVersion + 1;
    const copy: PublishedVersion = { ...this.latest, version, lastModified: now };
    this.addVersion(description === undefined ? copy : { ...copy, description });
    return { version, created: true };
  }

  /** Creates or updates an alias; returns Lambda's complaint when the routing is not allowed. */
  setAlias(
    name: string,
    functionVersion: string,
    weights?: Record<string, number>,
    description?: string,
  ): string | undefined {
    const problem = aliasProblem(functionVersion, weights, (v) => this.byVersion.has(v));
    if (problem) return problem;
    const known = this.aliasByName.get(name);
    const routing = weights && Object.keys(weights).length > 0 ? weights : undefined;
    if (known) {
      known.functionVersion = functionVersion;
      known.weights = routing;
      if (description !== undefined) known.description = description;
      known.revision++;
      return undefined;
    }
    const alias: AliasRecord = { name, functionVersion, weights: routing, description, revision: 0 };
    this.aliases.push(alias);
    this.aliasByName.set(name, alias);
    return undefined;
  }

  /** A stable UUID-shaped RevisionId for a version or alias state. */
  revisionId(what: string, revision: number): string {
    const h = createHash('sha256').update(`${this.arn}|${what}|${revision}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }
}

export class LambdaRegistryState {
  /** In ListFunctions order. */
  readonly functions: FunctionState[] = [];
  readonly byName = new Map<string, FunctionState>();

  constructor(
    readonly accountId: string,
    readonly region: string,
  ) {}

  /** Loads the fixture's functions; digests the fixture leaves out are resolved against the emulator's ECR. */
  load(src: FixtureLambda | undefined, resolve: ImageResolver): void {
    for (const fn of src?.functions ?? []) this.add(this.fromFixture(fn, resolve));
  }

  add(fn: FunctionState): void {
    this.functions.push(fn);
    this.byName.set(fn.name, fn);
  }

  private fromFixture(src: FixtureLambdaFunction, resolve: ImageResolver): FunctionState {
    const packageType = src.packageType ?? 'Image';
    const image = packageType === 'Image';
    const zip = image ? {} : { runtime: src.runtime ?? 'python3.12', handler: src.handler ?? 'app.handler' };
    const fn = new FunctionState(
      this.accountId,
      this.region,
      src.name,
      packageType,
      codeOf(src.latest, resolve),
      zip.runtime,
      zip.handler,
    );
    for (const v of src.versions ?? []) fn.addVersion({ ...codeOf(v, resolve), version: v.version });
    for (const a of src.aliases ?? [])
      fn.setAlias(a.name, a.functionVersion, a.additionalVersionWeights, a.description);
    return fn;
  }
}

function codeOf(src: FixtureLambdaCode, resolve: ImageResolver): LambdaCode {
  const code: { -readonly [K in keyof LambdaCode]: LambdaCode[K] } = { lastModified: src.lastModified ?? 0 };
  if (src.description !== undefined) code.description = src.description;
  if (!src.imageUri) return code;
  code.imageUri = src.imageUri;
  const parsed = parseImageUri(src.imageUri);
  if (src.resolvedDigest && parsed) code.resolvedImageUri = `${parsed.repositoryUri}@${src.resolvedDigest}`;
  else {
    const resolved = resolve(src.imageUri);
    if ('resolvedImageUri' in resolved) code.resolvedImageUri = resolved.resolvedImageUri;
  }
  return code;
}

export interface ParsedImageUri {
  readonly accountId: string;
  readonly region: string;
  readonly repository: string;
  readonly repositoryUri: string;
  readonly tag?: string;
  readonly digest?: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]{1,32})\.amazonaws\.com$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Splits `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag][@digest]` by index (no regex over the whole). */
export function parseImageUri(uri: string): ParsedImageUri | undefined {
  const slash = uri.indexOf('/');
  const host = slash > 0 ? ECR_HOST.exec(uri.slice(0, slash)) : null;
  if (!host) return undefined;
  let rest = uri.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (rest.length === 0) return undefined;
  const repositoryUri = `${host[1]}.dkr.ecr.${host[2]}.amazonaws.com/${rest}`;
  return {
    accountId: host[1]!,
    region: host[2]!,
    repository: rest,
    repositoryUri,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** What resolving an image needs of a repository (store.ts RepositoryState has this shape). */
interface ResolvableRepository {
  readonly uri: string;
  readonly byDigest: ReadonlyMap<string, { readonly img: { readonly digest: string; readonly mediaType: string } }>;
  readonly byTag: ReadonlyMap<string, { readonly img: { readonly digest: string; readonly mediaType: string } }>;
}

type RepositoryLookup = (accountId: string, region: string, name: string) => ResolvableRepository | undefined;

/**
 * Lambda's deploy-time resolution: the repository must be in the function's region (another account is
 * allowed); a digest must exist; a tag, or `latest` when none is written, resolves to its current image,
 * which must be a single-platform manifest.
 */
export function imageResolver(repository: RepositoryLookup, functionRegion: string): ImageResolver {
  return (imageUri) => {
    const parsed = parseImageUri(imageUri);
    if (!parsed) return { error: `${imageUri} is not an Amazon ECR image URI` };
    if (parsed.region !== functionRegion)
      return { error: `The image must be in an Amazon ECR repository in ${functionRegion}, not ${parsed.region}` };
    const repo = repository(parsed.accountId, parsed.region, parsed.repository);
    const record = !repo
      ? undefined
      : parsed.digest
        ? repo.byDigest.get(parsed.digest)
        : repo.byTag.get(parsed.tag ?? 'latest');
    if (!repo || !record) return { error: `Source image ${imageUri} does not exist. Provide a valid source image.` };
    // AWS: "Lambda does not support multi-architecture images".
    if (INDEX_MEDIA_TYPES.includes(record.img.mediaType))
      return { error: `The image manifest or layer media type for the source image ${imageUri} is not supported.` };
    return { resolvedImageUri: `${repo.uri}@${record.img.digest}` };
  };
}
