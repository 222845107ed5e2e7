/**
 * The golden frames: what the sidecar serves for each frame shape of the contract, from the reference fixture
 * at its own "now". The plugin's unit tests read them (contract/golden), so they test frames the sidecar
 * really sends. Each frame is checked against the contract (QueryResponse, FRAME_FIELDS) and must equal the
 * committed file; after a deliberate change, write them anew with UPDATE_GOLDEN=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  Annotations,
  CleanupAuditPage,
  CleanupPlan,
  FRAME_FIELDS,
  InventoryStatus,
  LifecyclePreview,
  QueryResponse,
  VariableValues,
  type FrameShape,
  type QueryRequestInput,
} from '@ecr-lens/contract';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSidecar, type DemoSidecar } from '../../src/app/demo-sidecar.js';
import { loadFixture } from '../../src/demo/fixture.js';
import { REFERENCE_NOW, REFERENCE_PATH } from '../refresh/helpers.js';

const GOLDEN = (shape: FrameShape) => new URL(`../../../contract/golden/${shape}.json`, import.meta.url);
const update = process.env.UPDATE_GOLDEN === '1';

// A digest with findings in the reference fixture, found through the images query itself.
const FINDINGS_OF = { repository: 'web/frontend', tag: 'v1.0.0' };

let demo: DemoSidecar;
const query = async (body: QueryRequestInput): Promise<unknown> => {
  const res = await fetch(`${demo.url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, JSON.stringify(body)).toBe(200);
  return res.json();
};

async function requestOf(shape: FrameShape): Promise<QueryRequestInput> {
  const limit = 4;
  switch (shape) {
    case 'severityImage':
      return { queryType: 'severity', filters: { level: 'image' }, limit };
    case 'cleanupRepository':
      return { queryType: 'cleanup', filters: { level: 'repository' }, limit };
    case 'findings': {
      const images = QueryResponse.parse(await query({ queryType: 'images', filters: { repository: FINDINGS_OF.repository, tag: FINDINGS_OF.tag } }));
      const digest = images.frame.fields.find((f) => f.name === 'digest')!.values[0] as string;
      return { queryType: 'findings', filters: { digest }, limit };
    }
    default:
      return { queryType: shape, limit };
  }
}

beforeAll(async () => {
  demo = await startDemoSidecar({ fixture: loadFixture(REFERENCE_PATH), now: () => REFERENCE_NOW });
});
afterAll(async () => {
  await demo?.close();
});

describe('golden frames (contract/golden)', () => {
  it.each(Object.keys(FRAME_FIELDS) as FrameShape[])('%s', async (shape) => {
    const body = await query(await requestOf(shape));
    const response = QueryResponse.parse(body);
    expect(response.frame.fields.map((f) => f.name)).toEqual(FRAME_FIELDS[shape]);
    expect(response.frame.fields[0]!.values.length).toBeGreaterThan(0);
    const text = `${JSON.stringify(body, null, 2)}\n`;
    if (update) writeFileSync(GOLDEN(shape), text);
    expect(text).toBe(readFileSync(GOLDEN(shape), 'utf8'));
  });
});

describe('every JSON route answers in the contract’s terms', () => {
  const routes: ReadonlyArray<readonly [string, z.ZodType]> = [
    ['/api/v1/status', InventoryStatus],
    ['/api/v1/variables/repositories', VariableValues],
    ['/api/v1/variables/tags?repository=web/frontend', VariableValues],
    [`/api/v1/annotations?from=0&to=${REFERENCE_NOW}`, Annotations],
    [`/api/v1/annotations?kind=cleanup&from=0&to=${REFERENCE_NOW}`, Annotations],
    ['/api/v1/cleanup/plan?limit=3', CleanupPlan],
    ['/api/v1/cleanup/lifecycle', LifecyclePreview],
    ['/api/v1/cleanup/audit', CleanupAuditPage],
  ];
  it.each(routes)('%s', async (path, schema) => {
    const res = await fetch(`${demo.url}${path}`);
    expect(res.status).toBe(200);
    const parsed = schema.safeParse(await res.json());
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });
});

