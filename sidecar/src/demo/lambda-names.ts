/**
 * Lambda's FunctionName forms: `name`, `name:qualifier`, the partial ARN `123456789012:function:name[:qualifier]`
 * and the ARN `arn:aws:lambda:<region>:<account>:function:name[:qualifier]`. Split on `:` and checked piece
 * by piece (no regex over the whole input).
 */
import { AwsError } from './errors.js';

export interface FunctionRef {
  readonly name: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly qualifier?: string;
}

const REGION = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
const PARTITION = /^aws[a-zA-Z-]{0,20}$/;
const NAME = /^[a-zA-Z0-9._-]{1,64}$/;
const QUALIFIER = /^(?:\$LATEST|[a-zA-Z0-9_-]{1,128})$/;
const PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';

export const unqualifiedArn = (accountId: string, region: string, name: string): string =>
  `arn:aws:lambda:${region}:${accountId}:function:${name}`;

export const functionNotFound = (arn: string): AwsError =>
  new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);

const invalidName = (value: string): AwsError =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PATTERN}`,
  );

/** Parses a FunctionName in any of its forms; throws ValidationException as Lambda does for a malformed one. */
export function parseFunctionRef(value: string): FunctionRef {
  if (value.length === 0 || value.length > 256) throw invalidName(value);
  const parts = value.split(':');
  let i = 0;
  let region: string | undefined;
  let accountId: string | undefined;
  if (parts[0] === 'arn') {
    if (parts.length < 7 || !PARTITION.test(parts[1]!) || parts[2] !== 'lambda' || parts[5] !== 'function')
      throw invalidName(value);
    region = parts[3];
    accountId = parts[4];
    if (!REGION.test(region!) || !ACCOUNT.test(accountId!)) throw invalidName(value);
    i = 6;
  } else {
    // Optional pieces are only taken when a name still follows them.
    if (parts.length - i > 1 && REGION.test(parts[i]!)) region = parts[i++];
    if (parts.length - i > 1 && ACCOUNT.test(parts[i]!)) accountId = parts[i++];
    if (parts.length - i > 1 && parts[i] === 'function') i++;
  }
  const name = parts[i++];
  const qualifier = parts[i++];
  if (i < parts.length || !name || !NAME.test(name) || (qualifier !== undefined && !QUALIFIER.test(qualifier)))
    throw invalidName(value);
  return {
    name,
    ...(accountId ? { accountId } : {}),
    ...(region ? { region } : {}),
    ...(qualifier !== undefined ? { qualifier } : {}),
  };
}

/** The qualifier from the name and the Qualifier parameter must agree when both are given. */
export function resolveQualifier(fromName: string | undefined, fromParameter: string | undefined): string | undefined {
  if (fromName !== undefined && fromParameter !== undefined && fromName !== fromParameter)
    throw new AwsError(
      'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  return fromName ?? fromParameter;
}
