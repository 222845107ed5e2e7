import { z } from 'zod';

/** The identifiers every route accepts, each checked the same way everywhere. */

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** us-east-1, eu-central-2, us-gov-west-1, cn-north-1: two letters, words, a number. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export const AccountId = z.string().regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit account id');
export const Region = z.string().regex(REGION_PATTERN, 'must be an AWS region such as us-east-1');
export const Digest = z.string().regex(DIGEST_PATTERN, 'must be sha256:<64 hex>');

/** Longest glob a filter accepts; the sidecar also refuses unsupported syntax (see its query/glob.ts). */
export const MAX_GLOB_LENGTH = 256;
/** A name glob: `*` any run (`/` included), `?` one character, `[a-z]` classes, `{a,b}` alternatives; no extglobs or negation. */
export const Glob = z.string().min(1).max(MAX_GLOB_LENGTH);
/** A cluster, service or other plain name. */
export const Name = z.string().min(1).max(256);
