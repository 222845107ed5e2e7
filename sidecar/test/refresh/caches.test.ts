import { describe, expect, it } from 'vitest';
import { runNow } from '../../src/cooperative.js';
import { RefreshCaches } from '../../src/refresh/caches.js';
import type { CachedManifest } from '../../src/refresh/assemble-image.js';

describe('the refresh caches', () => {
  it('keep exactly what the latest refresh used, dropping the rest in steps', () => {
    const caches = new RefreshCaches();
    const manifest = {} as CachedManifest;
    for (let i = 0; i < 10_000; i++) caches.manifests.set(`m${i}`, manifest);
    caches.scans.set('repo-a', new Map());
    caches.scans.set('repo-b', new Map());
    caches.taskDefinitions.set('family:1', {});
    caches.taskDefinitions.set('family:2', {});
    const used = new Set(Array.from({ length: 10_000 }, (_, i) => `m${i}`).filter((_, i) => i % 3 === 0));
    const steps = caches.retainSteps({ manifests: used, scans: new Set(['repo-b']), taskDefinitions: new Set(['family:2']) });
    let yields = 0;
    while (!steps.next().done) yields++;
    // 10,004 keys looked up, 4,096 per step.
    expect(yields).toBe(2);
    expect(new Set(caches.manifests.keys())).toEqual(used);
    expect([...caches.scans.keys()]).toEqual(['repo-b']);
    expect([...caches.taskDefinitions.keys()]).toEqual(['family:2']);
    // What is kept stays kept.
    runNow(caches.retainSteps({ manifests: used, scans: new Set(['repo-b']), taskDefinitions: new Set(['family:2']) }));
    expect(caches.manifests.size).toBe(used.size);
  });
});
