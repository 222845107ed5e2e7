import { RE2JS } from 're2js';
import { queryError } from './errors.js';

/**
 * User globs (the `repository` and `tag` filters, `?repository=`), matched in time linear in the name for
 * any pattern: the glob becomes an RE2 expression run by re2js (an automaton, never backtracking), so a
 * hostile pattern cannot freeze the process, and a timeout never has to stop CPU-bound work.
 *
 * Why a translator here and not picomatch's regex: picomatch's output is made for a backtracking engine;
 * with `dot: true` it guards every `*` and `**` with lookaheads (`(?!(?:^|\/)\.{1,2}(?:\/|$))`, `(?=.)`)
 * that RE2 cannot run, and dropping them changes what some patterns match. No glob library emits
 * lookaround-free expressions, so this is the smallest translation of the documented syntax:
 *   `*` and `**` any run of characters, `/` included (repository names have slashes); `**` as a whole
 *   segment also matches no segment (`a/**\/b` matches `a/b`); `?` one character other than `/`;
 *   `[abc]`, `[a-z]`, `[!a]`/`[^a]` (never `/`); `{a,b}` alternatives, nested (a `{` without its own comma
 *   or `}` is literal); `\x` a literal x.
 * Rejected: extglobs `+(…)`, `@(…)`, `!(…)`, `*(…)`, `?(…)` and other parentheses, a leading `!`
 * (negation), POSIX classes `[[:alpha:]]`, brace ranges `{1..9}`.
 * Unlike picomatch, `*` may match `.`/`..` path segments and `*.*` matches `v1.` (neither is a valid ECR
 * repository name or tag), and `[!a]` is a negated class as in bash (picomatch's bash mode read it as `!` or `a`).
 */

import { MAX_GLOB_LENGTH } from '@ecr-lens/contract';
export { MAX_GLOB_LENGTH };
/** Per filter: globs with wildcards, each an automaton every name runs through. Plain names are a set lookup. */
export const MAX_WILDCARD_GLOBS = 64;

const SPECIAL = /[*?[\]{}\\()!]/;
const isPlain = (glob: string): boolean => !SPECIAL.test(glob);

class GlobSyntaxError extends Error {}

/** `[` at `start`: the RE2 class and the index after `]`, or undefined when the bracket is unterminated (a literal `[`). */
function bracket(glob: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === ']' && !first) return { source: negate ? `[^/${body}]` : `[${body}]`, end: i + 1 };
    first = false;
    if (c === '[' && glob[i + 1] === ':') throw new GlobSyntaxError('POSIX character classes like [[:alpha:]] are not supported');
    if (c === '\\') {
      i++;
      if (i >= glob.length) return undefined;
      body += `\\x{${glob.codePointAt(i)!.toString(16)}}`;
    } else if (c === '-' && body !== '' && glob[i + 1] !== ']') body += '-';
    else body += `\\x{${c.codePointAt(0)!.toString(16)}}`;
  }
  return undefined;
}

/** Whether the `{` at `start` opens alternatives: it has a matching `}` and a comma of its own (else it is literal, as before). */
function alternatives(glob: string, start: number): boolean {
  let depth = 0;
  let comma = false;
  for (let i = start; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === ',' && depth === 1) comma = true;
    else if (c === '}' && --depth === 0) return comma;
  }
  return false;
}

/** The run of `*` at `i`: `**` as a whole segment also matches no segment; any other run is `.*`. */
function stars(glob: string, i: number, before: string): { out: string; next: number } {
  let out = before;
  let j = i;
  while (glob[j] === '*') j++;
  const afterSlash = i > 0 && glob[i - 1] === '/' && out.endsWith(RE2JS.quote('/')); // not after another **/ segment
  const segment = j - i === 2 && (i === 0 || afterSlash) && (j === glob.length || glob[j] === '/');
  if (segment && i > 0 && j < glob.length) {
    out = out.slice(0, -RE2JS.quote('/').length) + '(?:/|/.*/)'; // a/**/b: a/b, a/x/b, a/x/y/b
    j++;
  } else if (segment && i === 0 && j < glob.length) {
    out += '(?:.*/)?'; // **/b: b, x/b
    j++;
  } else if (segment && i > 1 && glob[i - 2] !== '*') {
    out = out.slice(0, -RE2JS.quote('/').length) + '(?:/.*)?'; // a/**: a, a/x (but x*/** needs the slash)
  } else out += '.*';
  return { out, next: j };
}

/** The RE2 source of one glob (anchored by `matches`), or a GlobSyntaxError naming what is not supported. */
export function globToRe2(glob: string): string {
  if (glob.length > MAX_GLOB_LENGTH) throw new GlobSyntaxError(`must be at most ${MAX_GLOB_LENGTH} characters`);
  if (glob.startsWith('!')) throw new GlobSyntaxError('negation (a leading !) is not supported');
  let out = '';
  const braces: boolean[] = []; // open braces, innermost last: true for an alternation, false for a literal {
  for (let i = 0; i < glob.length; ) {
    const c = glob[i]!;
    const next = glob[i + 1];
    if ('+@!*?'.includes(c) && next === '(') throw new GlobSyntaxError(`extglob ${c}(…) is not supported`);
    if (c === '(' || c === ')') throw new GlobSyntaxError('parentheses are not supported');
    if (c === '\\') {
      if (next === undefined) throw new GlobSyntaxError('ends with a lone backslash');
      out += RE2JS.quote(String.fromCodePoint(glob.codePointAt(i + 1)!));
      i += 1 + (glob.codePointAt(i + 1)! > 0xffff ? 2 : 1);
    } else if (c === '*') {
      ({ out, next: i } = stars(glob, i, out));
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '[') {
      const parsed = bracket(glob, i);
      if (parsed) {
        out += parsed.source;
        i = parsed.end;
      } else {
        out += RE2JS.quote('[');
        i++;
      }
    } else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close > 0 && /^\{[^{}]*\.\.[^{}]*\}$/.test(glob.slice(i, close + 1))) throw new GlobSyntaxError('brace ranges like {1..9} are not supported');
      const group = alternatives(glob, i);
      braces.push(group);
      out += group ? '(?:' : RE2JS.quote('{');
      i++;
    } else if (c === ',' && braces.at(-1) === true) {
      out += '|';
      i++;
    } else if (c === '}' && braces.length > 0) {
      out += braces.pop() ? ')' : RE2JS.quote('}');
      i++;
    } else {
      const cp = glob.codePointAt(i)!;
      out += RE2JS.quote(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return out;
}

const compile = (glob: string): RE2JS => {
  const source = globToRe2(glob);
  try {
    return RE2JS.compile(source);
  } catch {
    throw new GlobSyntaxError('is not a valid glob');
  }
};

/** Why these globs (one filter's) cannot be used, or undefined. The request schemas report it as a 400 naming the filter. */
export function globListIssue(globs: readonly string[]): string | undefined {
  let wildcards = 0;
  for (const glob of globs) {
    if (isPlain(glob)) {
      if (glob.length > MAX_GLOB_LENGTH) return `"${glob.slice(0, 32)}…": must be at most ${MAX_GLOB_LENGTH} characters`;
      continue;
    }
    if (++wildcards > MAX_WILDCARD_GLOBS) return `at most ${MAX_WILDCARD_GLOBS} globs with wildcards per filter`;
    try {
      compile(glob);
    } catch (error) {
      if (error instanceof GlobSyntaxError) return `"${glob.length > 64 ? `${glob.slice(0, 64)}…` : glob}": ${error.message}`;
      throw error;
    }
  }
  return undefined;
}

/** One predicate: does the text match any of the globs? Throws a QueryError (a 400) for globs the schemas should have refused. */
export function globMatcher(globs: readonly string[], field = 'glob'): (text: string) => boolean {
  const issue = globListIssue(globs);
  if (issue) throw queryError(field, issue);
  const plain = new Set(globs.filter(isPlain));
  const machines = globs.filter((g) => !isPlain(g)).map(compile);
  // One argument only, so `tags.some(match)` cannot pass an index anywhere.
  return (text) => plain.has(text) || machines.some((re) => re.matches(text));
}
