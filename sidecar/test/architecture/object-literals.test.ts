/**
 * The lint rules on object copies (eslint.config.js, docs/architecture.md): where objects are made per image, row,
 * use, call or request, a literal that starts with a spread and names a field after it is reported (on Node 20 it gets a
 * hidden class of its own); everywhere in sidecar/src, Object.assign with more than three sources (typed `any`).
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: ROOT });

async function reported(file: string, code: string): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
}

const CODE = [
  'const a = { x: 1 };',
  'export const spreadFirst = { ...a, y: 2 };',
  'export const namedFirst = { y: 2, ...a };',
  'export const overwritten = Object.assign({}, a, { y: 2 });',
  'export const onlySpreads = { ...a, ...(a.x ? { z: 3 } : {}) };',
  'export const fourSources = Object.assign({}, a, { b: 1 }, { c: 1 }, { d: 1 });',
  '',
].join('\n');

describe('object literal rules', () => {
  it('reports a spread-first literal with a named field after it, and Object.assign past three sources, where objects are made per image', async () => {
    for (const room of ['refresh', 'snapshot', 'query/columnar', 'metrics', 'cleanup/plan', 'cleanup/execute', 'http', 'http/routes', 'aws', 'cost', 'uses']) expect(await reported(`sidecar/src/${room}/probe.ts`, CODE), room).toEqual([2, 6]);
  });

  it('lets configuration spread, but nowhere passes Object.assign more than three sources', async () => {
    expect(await reported('sidecar/src/cleanup/plan/config.ts', CODE)).toEqual([6]);
    expect(await reported('sidecar/src/app/probe.ts', CODE)).toEqual([6]);
    expect(await reported('sidecar/src/config.ts', CODE)).toEqual([6]);
  });
});
