import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../src/demo/fixture.js';
import type { Harness } from './helpers.js';
import { REFERENCE_PATH, startHarness } from './helpers.js';

const INDEX = 'sha256:4cb6c0c0e0e1b9234b9c04b3f18ebebea7f4bf18c10a522a1cf0edf27d714cb1';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('archived images', () => {
  it("reads an archived index's manifest, so cleanup knows the children it must keep", async () => {
    const fixture = loadFixture(REFERENCE_PATH);
    const repository = fixture.registries[0]!.repositories.find((r) => r.name === 'platform/api')!;
    const index = repository.images.find((i) => i.digest === INDEX)!;
    Object.assign(index, { status: 'ARCHIVED', lastArchivedAt: index.pushedAt + 86_400 });
    harness = await startHarness({ fixture });
    await harness.refresher.run();
    const image = harness.refresher.snapshot().images.find((i) => i.digest === INDEX)!;
    expect(image.status).toBe('ARCHIVED');
    expect(image.kind).toBe('index');
    expect(image.children).toHaveLength(index.children!.length);
    expect(image.children.length).toBeGreaterThan(1);
  });
});
