/**
 * The lint rule that keeps data flowing one way (eslint.rooms.js, docs/architecture.md) reports an arrow back
 * up, resolves paths as they resolve (a room's own file of the same name is not another room), and passes
 * the code as it is; and no module imports itself through others.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: ROOT });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message.replace(/^.*pattern\. /, ''));
}

describe('rooms', () => {
  it('reports an import of a room above', async () => {
    expect(await restricted('sidecar/src/snapshot/probe.ts', "export { planCleanup } from '../cleanup/plan/planner.js';\nimport '../query/engine.js';\n")).toEqual([
      'snapshot may not import cleanup: data flows one way (docs/architecture.md).',
      'snapshot may not import query: data flows one way (docs/architecture.md).',
    ]);
    expect(await restricted('sidecar/src/cleanup/plan/probe.ts', "import '../execute/run-lock.js';\nimport '../../config.js';\nimport '../../http/app.js';\n")).toEqual([
      'cleanup/plan may not import cleanup/execute: data flows one way (docs/architecture.md).',
      'cleanup/plan may not import config: data flows one way (docs/architecture.md).',
      'cleanup/plan may not import http: data flows one way (docs/architecture.md).',
    ]);
    expect(await restricted('sidecar/src/query/types/probe.ts', "import '../../http/app.js';\n")).toEqual(['query may not import http: data flows one way (docs/architecture.md).']);
    expect(await restricted('sidecar/src/query/columnar/probe.ts', "import '../types/images.js';\nimport '../engine.js';\nimport '../table.js';\n")).toEqual([
      'query/columnar may not import query/types: data flows one way (docs/architecture.md).',
      'query/columnar may not import query/engine: data flows one way (docs/architecture.md).',
    ]);
  });

  it('resolves paths: a room importing its own file named like another room is fine, and so is a room below', async () => {
    expect(await restricted('sidecar/src/cleanup/plan/lifecycle/probe.ts', "import '../config.js';\nimport '../../../snapshot/model.js';\n")).toEqual([]);
    expect(await restricted('sidecar/src/query/types/probe.ts', "import '../uses.js';\nimport '../../cost/cost.js';\n")).toEqual([]);
  });

  it('keeps the wire contract a leaf: zod and its own modules only; every room may import it', async () => {
    const rule = 'the contract imports only zod and its own modules (docs/architecture.md).';
    expect(await restricted('contract/src/probe.ts', "import '../../sidecar/src/log.js';\nimport 'hono';\nimport { z } from 'zod';\nimport './enums.js';\n")).toEqual([rule, rule]);
    expect(await restricted('sidecar/src/snapshot/probe.ts', "import '@ecr-lens/contract';\n")).toEqual([]);
  });
});

/** Every module of sidecar/src with the modules it imports (relative imports, as TypeScript reads them). */
function importGraph(): Map<string, string[]> {
  const src = join(ROOT, 'sidecar/src');
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const path = join(src, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    graph.set(
      path,
      importedFiles.filter((i) => i.fileName.startsWith('.')).map((i) => resolve(dirname(path), i.fileName.replace(/\.js$/, '.ts'))),
    );
  }
  return graph;
}

/** The first cycle found by a depth-first walk, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

describe('the import graph', () => {
  it('has no circle between modules', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(findCycle(graph)?.map((f) => f.slice(ROOT.length + 1))).toBeUndefined();
  });

  it('the cycle check can fail', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', []]]))).toBeUndefined();
  });
});
