import { AccountId, Digest, Glob, Name, Region, splitList, TimeInput } from '@ecr-lens/contract';
import type { z } from 'zod';

import type { FilterKey } from '../../types';

/** What each text filter's items must be, as the sidecar checks them (the contract's schemas). */
const ITEM_SCHEMAS: Partial<Record<FilterKey, z.ZodType>> = {
  registry: AccountId,
  region: Region,
  repository: Glob,
  tag: Glob,
  cluster: Name,
  digest: Digest,
  pushedAfter: TimeInput,
  pushedBefore: TimeInput,
  pulledAfter: TimeInput,
  pulledBefore: TimeInput,
};

// A variable is checked once interpolated, when the query runs; dates may also be Grafana's $__from.
const isVariable = (text: string) => text.includes('$');

/** Why a text filter is invalid, in the sidecar's words, or undefined; items holding variables are not checked here. */
export function filterIssue(key: FilterKey, text: string | undefined): string | undefined {
  const schema = ITEM_SCHEMAS[key];
  if (!schema || text === undefined || text.trim() === '') {
    return undefined;
  }
  const isTime = key.startsWith('pushed') || key.startsWith('pulled');
  const items = key === 'digest' || isTime ? [text.trim()] : splitList(text);
  for (const item of items) {
    if (isVariable(item)) {
      continue;
    }
    const value = isTime && /^\d+$/.test(item) ? Number(item) : item;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      return `"${item}" ${parsed.error.issues[0]?.message ?? 'is not valid'}`;
    }
  }
  return undefined;
}
