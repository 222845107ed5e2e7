/**
 * STS (awsQuery: form-encoded POST, XML answers): AssumeRole and GetCallerIdentity, so that a client can
 * assume a role into another fixture account. Issued access keys map to the role's account.
 */
import { createHash } from 'node:crypto';
import { AwsError } from './errors.js';
import type { EmulatorStore } from './store.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export const escapeXml = (s: string): string =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

const tag = (name: string, value: string): string => `<${name}>${escapeXml(value)}</${name}>`;

function envelope(action: string, result: string, requestId: string): string {
  return `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata>${tag('RequestId', requestId)}</ResponseMetadata></${action}Response>`;
}

export function stsErrorXml(error: AwsError, requestId: string): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${NS}"><Error>${tag('Type', type)}${tag('Code', error.code)}${tag('Message', error.message)}</Error>${tag('RequestId', requestId)}</ErrorResponse>`;
}

export interface StsCall {
  readonly accessKeyId: string | undefined;
  readonly requestId: string;
  /** Epoch ms. */
  readonly now: number;
}

const hash = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n).toUpperCase();

function assumeRole(store: EmulatorStore, params: URLSearchParams, call: StsCall): string {
  const roleArn = params.get('RoleArn');
  const session = params.get('RoleSessionName');
  if (!roleArn)
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
  if (!session || !/^[\w+=,.@-]{2,64}$/.test(session))
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
  const match = ROLE_ARN.exec(roleArn);
  if (!match) throw new AwsError('ValidationError', `${roleArn} is invalid`);
  const caller = store.accountFor(call.accessKeyId);
  if (!store.accounts.has(match[1]!))
    throw new AwsError(
      'AccessDenied',
      `User: arn:aws:iam::${caller}:user/emulator is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  const duration = Number(params.get('DurationSeconds') ?? '3600');
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
    );
  const seed = `${roleArn}/${session}/${call.requestId}`;
  // The account is part of the key, as AWS keys outlive a service restart: a restarted emulator still knows it.
  const accessKeyId = `ASIA${match[1]}${hash(`akid/${seed}`, 4)}`;
  const roleId = `AROA${hash(`role/${roleArn}`, 17)}`;
  const expiration = call.now + duration * 1000;
  const credentials = {
    accessKeyId,
    secretAccessKey: hash(`secret/${seed}`, 40),
    sessionToken: Buffer.from(`emulator-session/${seed}`).toString('base64'),
    accountId: match[1]!,
    assumedRoleArn: `arn:aws:sts::${match[1]}:assumed-role/${match[2]}/${session}`,
    assumedRoleId: `${roleId}:${session}`,
    expiration,
  };
  store.issue(credentials);
  return envelope(
    'AssumeRole',
    `<Credentials>${tag('AccessKeyId', credentials.accessKeyId)}${tag('SecretAccessKey', credentials.secretAccessKey)}${tag('SessionToken', credentials.sessionToken)}${tag('Expiration', new Date(expiration).toISOString())}</Credentials>` +
      `<AssumedRoleUser>${tag('AssumedRoleId', credentials.assumedRoleId)}${tag('Arn', credentials.assumedRoleArn)}</AssumedRoleUser>`,
    call.requestId,
  );
}

function getCallerIdentity(store: EmulatorStore, call: StsCall): string {
  const issued = call.accessKeyId ? store.credentials(call.accessKeyId) : undefined;
  const account = store.accountFor(call.accessKeyId);
  const arn = issued?.assumedRoleArn ?? `arn:aws:iam::${account}:user/emulator`;
  const userId = issued?.assumedRoleId ?? `AIDA${hash(`user/${account}`, 17)}`;
  return envelope(
    'GetCallerIdentity',
    `${tag('UserId', userId)}${tag('Account', account)}${tag('Arn', arn)}`,
    call.requestId,
  );
}

export const STS_OPERATIONS = ['AssumeRole', 'GetCallerIdentity'] as const;

/** Answers one STS action with the XML body, or throws an AwsError. */
export function handleSts(store: EmulatorStore, action: string, params: URLSearchParams, call: StsCall): string {
  if (action === 'AssumeRole') return assumeRole(store, params, call);
  if (action === 'GetCallerIdentity') return getCallerIdentity(store, call);
  throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
}
