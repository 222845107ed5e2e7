/**
 * logfmt logging with level filtering and redaction. A log line must never carry a secret: fields whose
 * key looks secret are masked, known secret values are masked wherever they appear, and so are bearer tokens.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default stdout. */
  write?: (line: string) => void;
  now?: () => Date;
  /** Secret values (tokens, keys) to mask wherever they appear. */
  secrets?: readonly (string | undefined)[];
}

export const REDACTED = '[REDACTED]';

const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|credential|api[-_]?key|private[-_]?key|signature/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// AWS secret access keys (40 chars of base64) following a key name, e.g. in a dumped config.
const AWS_SECRET_INLINE = /(secretAccessKey|sessionToken|aws_secret_access_key|aws_session_token)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Masks known secrets, bearer tokens and inline AWS secrets in free text. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out.replace(BEARER, `$1 ${REDACTED}`).replace(AWS_SECRET_INLINE, `$1$2${REDACTED}`);
}

function stringify(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (value instanceof Error) return value.name && value.name !== 'Error' ? `${value.name}: ${value.message}` : value.message;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value, (k, v: unknown) => (k && isSecretKey(k) ? REDACTED : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** logfmt value: bare when safe, else a double-quoted JSON string. */
export function quoteValue(text: string): string {
  return text === '' || /[\s"=\\]|[^\x21-\x7e]/.test(text) ? JSON.stringify(text) : text;
}

const KEY_SAFE = /[^A-Za-z0-9_.-]/g;

/** One logfmt line (no newline) from ordered fields; secret-looking keys are masked. */
export function formatLogfmt(fields: LogFields, secrets: readonly string[] = []): string {
  const parts: string[] = [];
  for (const [rawKey, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const key = rawKey.replace(KEY_SAFE, '_') || '_';
    const text = isSecretKey(rawKey) && value !== '' ? REDACTED : redactText(stringify(value), secrets);
    parts.push(`${key}=${quoteValue(text)}`);
  }
  return parts.join(' ');
}

export function parseLogLevel(value: string): LogLevel | undefined {
  const lower = value.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0);
  const emit = (at: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[at] < RANK[level]) return;
    write(formatLogfmt({ time: now().toISOString(), level: at, msg, ...bound, ...fields }, secrets));
  };
  return {
    level,
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ ...options, secrets }, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger({ write: () => undefined });
