import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeRepositoriesCommand, paginateDescribeImages } from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/demo/cli.js';
import { loadFixture, parseFixture } from '../../src/demo/fixture.js';
import type { Fixture } from '../../src/demo/fixture.js';
import { DEMO_PARAMS, generateFixture, parseSyntheticParams } from '../../src/demo/generate.js';
import { EmulatorStore } from '../../src/demo/store.js';
import { SCHEMA_PATH, schemaText } from '../../src/demo/write-schema.js';
import { ecrClient, ecsClient, REFERENCE_PATH, start } from './helpers.js';

const hash = (f: Fixture): string => createHash('sha256').update(JSON.stringify(f)).digest('hex');
const allImages = (f: Fixture) => f.registries.flatMap((r) => r.repositories.flatMap((p) => p.images));

describe('generateFixture', () => {
  it('is deterministic: same seed, same fixture; another seed differs', () => {
    const a = generateFixture({ seed: 5, repositories: 12, imagesPerRepository: 20 });
    const b = generateFixture({ seed: 5, repositories: 12, imagesPerRepository: 20 });
    const c = generateFixture({ seed: 6, repositories: 12, imagesPerRepository: 20 });
    expect(hash(a)).toBe(hash(b));
    expect(hash(a)).not.toBe(hash(c));
  });

  it('builds the demo registry: 2 accounts x 2 regions, 40 repositories, 2,000 images, with every kind of data', () => {
    const f = generateFixture();
    expect(f.registries.map((r) => `${r.accountId}/${r.region}`)).toEqual([
      '111111111111/us-east-1',
      '111111111111/eu-west-1',
      '222222222222/us-east-1',
      '222222222222/eu-west-1',
    ]);
    expect(f.registries.reduce((n, r) => n + r.repositories.length, 0)).toBe(DEMO_PARAMS.repositories);
    const images = allImages(f);
    expect(images).toHaveLength(2000);
    expect(parseFixture(JSON.parse(JSON.stringify(f)))).toBeTruthy();
    expect(f.registries.map((r) => r.scanning?.scanType)).toContain('ENHANCED');
    expect(f.registries.map((r) => r.scanning?.basicScanTypeVersion)).toContain('AWS_NATIVE');
    const count = (pred: (i: (typeof images)[number]) => boolean): number => images.filter(pred).length;
    expect(count((i) => !i.tags)).toBeGreaterThan(400);
    expect(count((i) => (i.children?.length ?? 0) > 0)).toBeGreaterThan(20);
    expect(count((i) => i.subject !== undefined)).toBeGreaterThan(10);
    expect(count((i) => i.status === 'ARCHIVED')).toBeGreaterThan(0);
    expect(count((i) => i.lastPulledAt === undefined)).toBeGreaterThan(100);
    expect(count((i) => i.scan === undefined)).toBeGreaterThan(50);
    const severities = new Set(
      images.flatMap((i) => [...(i.scan?.findings ?? []), ...(i.scan?.enhancedFindings ?? [])].map((x) => x.severity)),
    );
    expect(severities).toContain('CRITICAL');
    expect(severities).toContain('HIGH');
    const repos = f.registries.flatMap((r) => r.repositories);
    expect(repos.some((r) => r.lifecyclePolicyText)).toBe(true);
    expect(repos.some((r) => r.repositoryPolicyText?.includes('AllowCrossAccountPull'))).toBe(true);
    const tasks = f.registries.flatMap((r) => r.ecs?.clusters ?? []).flatMap((c) => c.tasks ?? []);
    const refs = tasks.flatMap((t) => t.containers.map((c) => c.image)).filter((i) => i.includes('.dkr.ecr.'));
    expect(refs.some((r) => r.includes('@sha256:'))).toBe(true);
    expect(refs.some((r) => !r.includes('@sha256:'))).toBe(true);
    expect(tasks.some((t) => t.lastStatus === 'STOPPED')).toBe(true);
  });

  it('shares layers inside a repository, so deduplicated size < summed size', () => {
    const f = generateFixture({ repositories: 4, imagesPerRepository: 30 });
    for (const repo of f.registries.flatMap((r) => r.repositories).filter((r) => r.images.length > 5)) {
      const blobs = new Map<string, number>();
      let summed = 0;
      for (const img of repo.images)
        for (const b of [...(img.layers ?? []), ...(img.config ? [img.config] : [])]) {
          blobs.set(b.digest, b.size);
          summed += b.size;
        }
      const dedup = [...blobs.values()].reduce((a, b) => a + b, 0);
      expect(dedup).toBeLessThan(summed);
    }
  });

  it('yields exact totals and a long tail at scale', () => {
    const f = generateFixture({ repositories: 300, imagesPerRepository: 40, clustersPerRegistry: 0 });
    const sizes = f.registries.flatMap((r) => r.repositories.map((p) => p.images.length)).sort((a, b) => b - a);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12_000);
    expect(sizes[0]!).toBeGreaterThan(40 * 5);
    expect(sizes[Math.floor(sizes.length / 2)]!).toBeLessThan(40);
    const store = new EmulatorStore(f);
    expect(store.summary().reduce((n, r) => n + r.images, 0)).toBe(12_000);
  });

  it('validates its parameters', () => {
    expect(() => generateFixture({ untaggedShare: 2 })).toThrow(/'untaggedShare'/);
    expect(parseSyntheticParams('repositories=10, imagesPerRepository=3,seed=9')).toEqual({
      repositories: 10,
      imagesPerRepository: 3,
      seed: 9,
    });
    expect(() => parseSyntheticParams('repos=10')).toThrow(/unknown synthetic parameter 'repos'/);
    expect(() => parseSyntheticParams('seed=abc')).toThrow(/'seed' needs a number/);
    expect(() => parseSyntheticParams('accounts=0')).toThrow(/'accounts'/);
  });
});

describe('fixture files', () => {
  it('round trip: generate -> JSON -> loadFixture -> emulator -> SDK reads the same data', async () => {
    const f = generateFixture({ seed: 11, repositories: 6, imagesPerRepository: 25 });
    const file = join(mkdtempSync(join(tmpdir(), 'ecr-lens-')), 'fixture.json');
    writeFileSync(file, JSON.stringify(f));
    const loaded = loadFixture(file);
    expect(loaded).toEqual(f);
    const emulator = await start(loaded);
    try {
      const registry = f.registries[0]!;
      const ecr = ecrClient(emulator, { region: registry.region });
      const repos = await ecr.send(new DescribeRepositoriesCommand({}));
      expect(repos.repositories?.map((r) => r.repositoryName)).toEqual(registry.repositories.map((r) => r.name));
      for (const repo of registry.repositories) {
        const details = [];
        for await (const page of paginateDescribeImages(
          { client: ecr, pageSize: 7 },
          { repositoryName: repo.name, filter: { imageStatus: 'ANY' } },
        ))
          details.push(...page.imageDetails!);
        expect(
          details.map((d) => [
            d.imageDigest,
            d.imageTags,
            d.imagePushedAt?.getTime(),
            d.lastRecordedPullTime?.getTime(),
          ]),
        ).toEqual(
          repo.images.map((i) => [
            i.digest,
            i.tags,
            i.pushedAt * 1000,
            i.lastPulledAt === undefined ? undefined : i.lastPulledAt * 1000,
          ]),
        );
      }
      const cluster = registry.ecs!.clusters![0]!;
      const ecs = ecsClient(emulator, { region: registry.region });
      const arns = (await ecs.send(new ListTasksCommand({ cluster: cluster.name }))).taskArns!;
      const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: cluster.name, tasks: arns }))).tasks!;
      expect(tasks.map((t) => t.containers?.[0]?.imageDigest)).toEqual(
        cluster.tasks!.filter((t) => t.lastStatus === 'RUNNING').map((t) => t.containers[0]!.imageDigest),
      );
    } finally {
      await emulator.close();
    }
  });

  it('loadFixture names the failing path and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ version: 1, registries: [{ accountId: '12', region: 'us-east-1', repositories: [] }] }),
    );
    expect(() => loadFixture(bad)).toThrow(
      /bad\.json: invalid fixture: registries\.0\.accountId: must be a 12-digit AWS account id/,
    );
    const notJson = join(dir, 'x.json');
    writeFileSync(notJson, '{');
    expect(() => loadFixture(notJson)).toThrow(/is not JSON/);
    expect(() => loadFixture(join(dir, 'missing.json'))).toThrow(/cannot read fixture/);
  });

  it('rejects children that are not in the repository', () => {
    const f = loadFixture(REFERENCE_PATH);
    const broken = structuredClone(f);
    broken.registries[0]!.repositories[1]!.images.find((i) => i.children)!.children![0]!.digest =
      `sha256:${'0'.repeat(64)}`;
    expect(() => parseFixture(broken)).toThrow(/is not an image of platform\/api/);
  });

  it('the committed JSON Schema equals the generated one', () => {
    // Compared as JSON, so that reformatting the file (prettier) does not matter.
    expect(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'))).toEqual(JSON.parse(schemaText()));
  });
});

describe('CLI arguments', () => {
  it('parses the options', () => {
    const o = parseCliArgs([
      '--synthetic',
      'repositories=3,imagesPerRepository=2',
      '--port',
      '0',
      '--rate-limits',
      'off',
    ]);
    expect(o.port).toBe(0);
    expect(o.rateLimits).toBe(false);
    expect(o.fixture().registries.reduce((n, r) => n + r.repositories.length, 0)).toBe(3);
    expect(parseCliArgs(['--fixture', REFERENCE_PATH]).fixture().registries).toHaveLength(3);
  });

  it('names the bad option', () => {
    expect(() => parseCliArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--synthetic', 'x=1'])).toThrow(/--synthetic: unknown synthetic parameter 'x'/);
    expect(() => parseCliArgs(['--rate-limits', 'maybe'])).toThrow(/--rate-limits/);
    expect(() => parseCliArgs(['--fixture', 'a', '--synthetic', 'seed=1'])).toThrow(/--fixture and --synthetic/);
    expect(() => parseCliArgs(['--nope'])).toThrow(/--nope/);
  });
});
