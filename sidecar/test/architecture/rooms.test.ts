/**
 * The lint rule that keeps data flowing one way (eslint.rooms.js, docs/architecture.md) reports an arrow back
 * up, resolves paths as they resolve (a room's own file of the same name is not another room), and passes
 * the code as it is.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
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
  });

  it('resolves paths: a room importing its own file named like another room is fine, and so is a room below', async () => {
    expect(await restricted('sidecar/src/cleanup/plan/lifecycle/probe.ts', "import '../config.js';\nimport '../../../snapshot/model.js';\n")).toEqual([]);
    expect(await restricted('sidecar/src/query/types/probe.ts', "import '../uses.js';\nimport '../../cost/cost.js';\n")).toEqual([]);
  });
});
