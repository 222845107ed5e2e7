import * as wire from '@ecr-lens/contract';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { QueryIssue } from '../query/errors.js';
import { named } from './openapi-names.js';

export const ErrorSchema = named(wire.ErrorBody, 'Error');
export type ErrorBody = wire.ErrorBody;

const pathOf = (parts: readonly PropertyKey[]): string => parts.map(String).join('.');

/** Zod issues as `{path, message}` naming the field; unknown keys are named one by one. */
export function zodIssues(error: ZodError, prefix = ''): QueryIssue[] {
  const join = (p: string): string => (prefix && p ? `${prefix}.${p}` : prefix || p || '(root)');
  const issues: QueryIssue[] = [];
  for (const issue of error.issues) {
    const base = pathOf(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: join(base ? `${base}.${key}` : key), message: 'unknown field' });
    } else {
      issues.push({ path: join(base), message: issue.message });
    }
  }
  return issues;
}

export const errorJson = <S extends ContentfulStatusCode>(c: Context, status: S, error: string, message: string) =>
  c.json({ error, message } satisfies ErrorBody, status);

export const badRequest = (c: Context, issues: readonly QueryIssue[]) =>
  c.json(
    {
      error: 'bad_request',
      message: issues.map((i) => `${i.path}: ${i.message}`).join('; '),
      issues: issues.map((i) => ({ path: i.path, message: i.message })),
    } satisfies ErrorBody,
    400,
  );

const errorContent = { 'application/json': { schema: ErrorSchema } };
export const ERROR_RESPONSES = {
  400: { description: 'Bad input; `issues` name the fields.', content: errorContent },
  401: { description: 'Missing or wrong bearer token.', content: errorContent },
  503: { description: 'No snapshot loaded yet, or the request timed out.', content: errorContent },
};
