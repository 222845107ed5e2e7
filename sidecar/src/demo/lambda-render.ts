/** Lambda answer shapes: FunctionConfiguration and FunctionCodeLocation, as the wire carries them. */
import { createHash } from 'node:crypto';
import type { FunctionState, LambdaCode, PublishedVersion } from './lambda-state.js';

/** Lambda's timestamp format: `2026-01-01T00:00:00.000+0000`. */
export const lambdaTime = (epochSeconds: number): string =>
  new Date(epochSeconds * 1000).toISOString().replace('Z', '+0000');

/**
 * CodeSha256: for an image, the hex of the resolved digest (what the console shows); for a zip, a base64
 * SHA-256 (here of the function's identity, as there is no package).
 */
function codeSha256(fn: FunctionState, code: LambdaCode): string {
  if (fn.packageType === 'Image') {
    const at = code.resolvedImageUri?.indexOf('@sha256:') ?? -1;
    if (at >= 0) return code.resolvedImageUri!.slice(at + '@sha256:'.length);
    return createHash('sha256')
      .update(code.imageUri ?? '')
      .digest('hex');
  }
  return createHash('sha256').update(`${fn.arn}|${code.lastModified}`).digest('base64');
}

/**
 * A version's FunctionConfiguration. `detailed` adds what only GetFunction returns (AWS: ListFunctions
 * "returns a subset of the FunctionConfiguration fields", without State and LastUpdateStatus).
 */
export function configuration(
  fn: FunctionState,
  version: PublishedVersion | undefined,
  arn: string,
  detailed: boolean,
): Record<string, unknown> {
  const code = version ?? fn.latest;
  const label = version ? String(version.version) : '$LATEST';
  return {
    FunctionName: fn.name,
    FunctionArn: arn,
    ...(fn.runtime ? { Runtime: fn.runtime, Handler: fn.handler } : {}),
    Role: `arn:aws:iam::${fn.accountId}:role/${fn.name}-role`,
    CodeSize: fn.packageType === 'Image' ? 0 : 1024,
    Description: code.description ?? '',
    Timeout: 3,
    MemorySize: 128,
    LastModified: lambdaTime(code.lastModified),
    CodeSha256: codeSha256(fn, code),
    Version: label,
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: fn.revisionId(label, version ? 0 : fn.revision),
    PackageType: fn.packageType,
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
    ...(detailed ? { State: 'Active', LastUpdateStatus: 'Successful' } : {}),
  };
}

/** GetFunction's Code: the ECR image (as deployed, and as resolved) or a presigned S3 location for a zip. */
export function codeLocation(fn: FunctionState, code: LambdaCode): Record<string, string> {
  if (fn.packageType === 'Image')
    return {
      RepositoryType: 'ECR',
      ImageUri: code.imageUri ?? '',
      ...(code.resolvedImageUri ? { ResolvedImageUri: code.resolvedImageUri } : {}),
    };
  const key = createHash('sha256').update(`${fn.arn}|${code.lastModified}`).digest('hex').slice(0, 32);
  return {
    RepositoryType: 'S3',
    Location: `https://awslambda-${fn.region}-tasks.s3.${fn.region}.amazonaws.com/snapshots/${fn.accountId}/${fn.name}-${key}`,
  };
}
