/**
 * Reading settings: each from its environment variable, else from its key in the YAML file, parsed by a zod
 * schema (decimal numbers only, booleans in words, comma lists). A bad value is kept as a problem naming the
 * variable (and the file key), never echoing a secret; the caller fails startup with all of them at once.
 */
import { z } from 'zod';
import { parseDecimal } from './env-number.js';

type Source = { from: 'env'; raw: string } | { from: 'yaml'; raw: unknown; path: string };

export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
export const ACCOUNT_ID = /^\d{12}$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

const describe = (raw: unknown): string => (typeof raw === 'string' ? JSON.stringify(raw) : JSON.stringify(raw) ?? String(raw));

/** Accepts an array, or a comma-separated string. */
export const toList = (raw: unknown): unknown =>
  typeof raw === 'string'
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : raw;

// Decimal only: Number() would also read 0x1f90, 1e3 and 0b1 as numbers.
const toNumber = (raw: unknown): unknown => (typeof raw === 'string' && raw.trim() !== '' ? parseDecimal(raw) : raw);

/** A schema and the message shown when a value fails it. */
export interface Parser<T> {
  readonly schema: z.ZodType<T>;
  readonly message: string;
  /** A secret's rejected value is never echoed. */
  readonly secret?: boolean;
}
export const parser = <T>(schema: z.ZodType<T>, message: string, secret = false): Parser<T> => ({ schema, message, secret });

export const intParser = (min: number, max: number) =>
  parser(z.preprocess(toNumber, z.number().int().min(min).max(max)), `must be an integer ${min}-${max}`);
export const numberParser = (min: number) => parser(z.preprocess(toNumber, z.number().finite().min(min)), `must be a number >= ${min}`);
const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };
export const boolParser = parser(
  z.preprocess((raw) => (typeof raw === 'string' ? (BOOLEAN_WORDS[raw.trim().toLowerCase()] ?? raw) : raw), z.boolean()),
  'must be true or false',
);
export const regionsParser = parser(
  z.preprocess(toList, z.array(z.string().regex(REGION)).min(1)),
  'must be a region or comma-separated regions like us-east-1',
);
export const roleArnsParser = parser(
  z.preprocess(toList, z.array(z.string().regex(ROLE_ARN))),
  'must be comma-separated IAM role ARNs like arn:aws:iam::123456789012:role/name',
);
export const priceMapParser = parser(
  z.preprocess((raw) => {
    if (typeof raw !== 'string') return raw;
    const out: Record<string, unknown> = {};
    for (const pair of toList(raw) as string[]) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return raw; // not a map: fails below with the message
      out[pair.slice(0, eq).trim()] = toNumber(pair.slice(eq + 1));
    }
    return out;
  }, z.record(z.string().regex(REGION), z.number().finite().min(0))),
  'must be region=price pairs like us-east-1=0.10,eu-west-1=0.11',
);

const getPath = (obj: unknown, path: string): unknown => {
  let at: unknown = obj;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
};

/** The settings of one startup: the environment, the YAML file, and the problems found so far. */
export class SettingsReader {
  readonly problems: string[] = [];

  constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly file: unknown,
  ) {}

  /** Where a setting comes from: a non-blank environment variable wins over the file. */
  sourceOf(name: string, yamlPath?: string): Source | undefined {
    const raw = this.env[name];
    if (raw !== undefined && raw.trim() !== '') return { from: 'env', raw };
    if (yamlPath) {
      const value = getPath(this.file, yamlPath);
      if (value !== undefined && value !== null) return { from: 'yaml', raw: value, path: yamlPath };
    }
    return undefined;
  }

  /** The setting parsed, or `fallback` when it is absent or bad (then a problem names it). */
  read<T>(name: string, p: Parser<T>, fallback: T, yamlPath?: string): T;
  read<T>(name: string, p: Parser<T>, fallback: undefined, yamlPath?: string): T | undefined;
  read<T>(name: string, p: Parser<T>, fallback: T | undefined, yamlPath?: string): T | undefined {
    const source = this.sourceOf(name, yamlPath);
    if (!source) return fallback;
    const parsed = p.schema.safeParse(source.raw);
    if (parsed.success) return parsed.data;
    const where = source.from === 'yaml' ? ` (ECRLENS_CONFIG ${source.path})` : '';
    this.problems.push(`${name}${where}: ${p.message}${p.secret ? '' : `, got ${describe(source.raw)}`}`);
    return fallback;
  }
}
