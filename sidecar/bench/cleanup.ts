/**
 * Cleanup planner benchmark: plans 1,000,000 images (5,000 repositories) built in-process, with
 * multi-arch indexes, attestations, shared layers and ECS uses, and prints the time and RSS.
 * Also evaluates lifecycle policies over the same snapshot. Target (issue 4): planning ≤ 2 s.
 * Run: `npx tsx sidecar/bench/cleanup.ts [--images N] [--repositories N]`.
 */
import { parseArgs } from 'node:util';
import { CleanupConfig } from '../src/cleanup/plan/config.js';
import { previewLifecycle } from '../src/cleanup/plan/lifecycle/preview.js';
import { planCleanup } from '../src/cleanup/plan/planner.js';
import { buildSnapshot } from '../src/snapshot/build.js';
import type { Image, ImageUse, Repository, SnapshotInput } from '../src/snapshot/model.js';
import { repositoryId } from '../src/snapshot/model.js';
import { repositoryUri } from '../src/snapshot/reference.js';
import { mulberry32 } from '../src/demo/prng.js';
import { blobList, blobKey, type BlobKey } from '../src/snapshot/blob-key.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 1);
const POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 20 }, action: { type: 'expire' } },
    { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
  ],
});

// Deterministic, so runs are comparable.
const random = mulberry32;
const hex = (n: number, salt: string): string => `sha256:${salt}${n.toString(16).padStart(64 - salt.length, '0')}`;

export function cleanupSnapshotInput(repositories: number, images: number): SnapshotInput {
  const rnd = random(7);
  const repos: Repository[] = [];
  const list: Image[] = [];
  const layerSizes = new Map<BlobKey, number>();
  const uses: ImageUse[] = [];
  let layer = 0;
  let id = 0;
  const perRepo = Math.ceil(images / repositories);
  for (let r = 0; r < repositories && id < images; r++) {
    const accountId = r % 2 ? '111111111111' : '222222222222';
    const region = 'us-east-1';
    const name = `team-${r % 40}/svc-${r}`;
    const rid = repositoryId(accountId, region, name);
    const uri = repositoryUri(accountId, region, name);
    repos.push({
      id: rid,
      accountId,
      region,
      name,
      arn: `arn:aws:ecr:${region}:${accountId}:repository/${name}`,
      uri,
      createdAt: NOW - 900 * DAY,
      tagMutability: 'MUTABLE',
      scanOnPush: false,
      encryptionType: 'AES256',
      ...(r % 3 === 0 ? { lifecyclePolicyText: POLICY } : {}),
      policy: { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false },
      replicationDestinations: [],
      tags: {},
    });
    const base = Array.from({ length: 8 }, () => {
      const d = blobKey(hex(layer++, 'a'));
      layerSizes.set(d, Math.floor(rnd() * 40_000_000));
      return d;
    });
    const single = (tags: string[], pushedAt: number, i: number): Image => {
      const own = blobKey(hex(layer++, 'a'));
      layerSizes.set(own, Math.floor(rnd() * 5_000_000));
      return {
        repositoryId: rid,
        digest: hex(id++, 'b'),
        tags,
        kind: 'image',
        pushedAt,
        sizeBytes: Math.floor(rnd() * 200_000_000),
        status: 'ACTIVE',
        children: [],
        layers: blobList([base[i % 8]!, base[(i + 3) % 8]!, own]),
        scan: { state: 'not_scanned' },
      };
    };
    for (let i = 0; i < perRepo && id < images; ) {
      const pushedAt = NOW - Math.floor(rnd() * 400 * DAY);
      const tags = rnd() < 0.7 ? [`v${i}`, ...(i === 0 ? ['latest'] : [])] : [];
      if (rnd() < 0.1 && perRepo - i >= 4) {
        // A multi-arch push: the index, two platform manifests and a provenance attestation.
        const amd = single([], pushedAt, i);
        const arm = single([], pushedAt, i + 1);
        const index: Image = { ...single(tags, pushedAt, i), kind: 'index', children: [amd.digest, arm.digest], layers: blobList([]) };
        const att: Image = { ...single([], pushedAt, i), kind: 'attestation', subjectDigest: index.digest, layers: blobList([]) };
        list.push(index, amd, arm, att);
        i += 4;
      } else {
        const image = single(tags, pushedAt, i);
        list.push(image);
        i += 1;
        if (id % 97 === 0) {
          uses.push({ kind: 'running-task', accountId, region, cluster: `c${r % 20}`, task: `t${id}`, reference: `${uri}:${tags[0] ?? 'latest'}`, digest: image.digest, at: NOW - DAY });
        }
        if (id % 131 === 0) uses.push({ kind: 'task-definition', accountId, region, taskDefinition: `fam${r}:${i}`, reference: `${uri}@${image.digest}` });
      }
    }
  }
  return {
    version: 1,
    refreshStartedAt: NOW - 60_000,
    builtAt: NOW,
    registries: ['111111111111', '222222222222'].map((accountId) => ({ accountId, region: 'us-east-1', replicationRules: [], scanType: 'BASIC' as const, scanningRules: [] })),
    repositories: repos,
    images: list,
    layerSizes,
    findings: new Map(),
    clusters: [],
    uses,
    incomplete: [],
  };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { images: { type: 'string', default: '1000000' }, repositories: { type: 'string', default: '5000' } } });
  const images = Number(values.images);
  const repositories = Number(values.repositories);
  let started = performance.now();
  const snapshot = buildSnapshot(cleanupSnapshotInput(repositories, images));
  const load = (await import('node:os')).loadavg()[0]!;
  console.log(`snapshot: ${snapshot.images.length} images, ${snapshot.repositories.length} repositories, ${snapshot.uses.length} uses, built in ${(performance.now() - started).toFixed(0)} ms`);
  const config = CleanupConfig.parse({ defaultRule: { keepTagPrefixes: ['release'] } });

  // The first plan of a snapshot also builds its layer index (memoised per snapshot).
  const runs: string[] = [];
  const times: number[] = [];
  let plan = planCleanup(snapshot, config, NOW);
  for (let i = 0; i < 4; i++) {
    const cpu = process.cpuUsage();
    started = performance.now();
    plan = planCleanup(snapshot, config, NOW);
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    times.push(wall);
    runs.push(`${wall.toFixed(0)} ms (cpu ${((used.user + used.system) / 1000).toFixed(0)} ms)`);
  }
  const best = Math.min(...times);
  console.log(
    `planCleanup: ${runs.join(' / ')}; best ${best.toFixed(0)} ms, target ≤ 2000 ms: ${best <= 2000 ? 'met' : 'MISSED'}; ` +
      `${plan.summary.delete} to delete, ${plan.summary.keep} kept, ${mb(plan.summary.reclaimableBytes)} reclaimable; plan ${plan.id.slice(0, 12)}`,
  );
  started = performance.now();
  const preview = previewLifecycle(snapshot, config.inUse, NOW);
  const acted = preview.repositories.reduce((n, r) => n + r.actions.length, 0);
  console.log(`previewLifecycle: ${(performance.now() - started).toFixed(0)} ms, ${acted} images ECR would act on`);
  const usage = process.memoryUsage();
  console.log(`RSS ${mb(usage.rss)}, heap used ${mb(usage.heapUsed)}; 1-minute load average at start ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs`);
}

if (process.argv[1]?.endsWith('cleanup.ts')) await main();
