/**
 * Event-driven refresh against the emulator, through the real SQS, ECR and ECS clients: each kind of event
 * has what it names read again (and only that), and events that are lost, duplicated, late or out of order
 * never leave the snapshot wrong once it is reconciled.
 */
import { once } from 'node:events';
import { BatchDeleteImageCommand } from '@aws-sdk/client-ecr';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useRetention } from '../../src/cleanup/plan/config.js';
import { MAX_TARGETED_REPOSITORIES, Refresher } from '../../src/refresh/refresher.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { EventQueue } from '../../src/aws/events-queue.js';
import type { BusEvent } from '../../src/demo/events.js';
import { silentLogger } from '../../src/log.js';
import { EventConsumer } from '../../src/refresh/event-consumer.js';
import { repositoryId } from '../../src/snapshot/model.js';
import { computeRepositorySizes, repositorySizes } from '../../src/cost/sizes.js';
import { REFERENCE_NOW, digestOf, pushableImage, startHarness, type Harness } from './helpers.js';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const REGION = 'us-east-1';

let harness: Harness | undefined;
let consumer: EventConsumer | undefined;
afterEach(async () => {
  await consumer?.stop();
  consumer = undefined;
  await harness?.close();
  harness = undefined;
});

async function start(env: Record<string, string> = {}): Promise<{ h: Harness; c: EventConsumer }> {
  harness = await startHarness({ env });
  await harness.refresher.run();
  consumer = new EventConsumer({ queue: new EventQueue(harness.clients.sqs(REGION), harness.emulator.eventsQueueUrl), applier: harness.refresher, log: silentLogger });
  harness.refresher.reportEvents(() => consumer!.state());
  return { h: harness, c: consumer };
}

const image = pushableImage;

async function admin(h: Harness, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${h.emulator.url}/_emulator${path}`, { method, body: JSON.stringify(body) });
  expect(res.status, `${method} ${path}`).toBe(200);
  return res.json();
}

const digestsOf = (h: Harness, accountId: string, region: string, name: string): string[] =>
  (h.refresher.snapshot().imagesByRepository.get(repositoryId(accountId, region, name)) ?? []).map((i) => i.digest);

async function queued(h: Harness): Promise<number> {
  const out = await h.clients.sqs(REGION).send(new GetQueueAttributesCommand({ QueueUrl: h.emulator.eventsQueueUrl, AttributeNames: ['All'] }));
  return Number(out.Attributes?.ApproximateNumberOfMessages) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

async function deleteImage(h: Harness, repositoryName: string, digest: string): Promise<void> {
  const ecr = h.clients.ecr(h.config.accounts[0]!, REGION);
  const out = await ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }));
  expect(out.failures).toEqual([]);
}

describe('events: each kind has what it names read again', () => {
  it('a push (ECR Image Action PUSH) reads only its repository, and the image is served', async () => {
    const { h, c } = await start();
    const base = h.refresher.snapshot();
    const before = base.version;
    const sizesBefore = repositorySizes(base);
    h.emulator.controls.resetCalls();
    const pushed = image('pushed-1', ['v9']);
    await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: pushed });

    expect(await c.poll()).toBe(1);
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).toContain(pushed.digest);
    expect(h.refresher.snapshot().version).toBe(before + 1);
    const pushedImage = h.refresher.snapshot().images.find((i) => i.digest === pushed.digest)!;
    expect(pushedImage.tags).toEqual(['v9']);
    // One repository read: its description, images and settings; no listing of every repository.
    expect(h.emulator.controls.callCount('ecr:DescribeRepositories')).toBe(1);
    expect(h.emulator.controls.callCount('ecr:DescribeImages')).toBe(1);
    expect(h.emulator.controls.callCount('ecr:GetLifecyclePolicy')).toBe(1);
    expect(h.emulator.controls.callCount('ecs:ListClusters')).toBe(0);
    expect(c.state()).toMatchObject({ received: 1, applied: { 'image-action': 1 }, ignored: {}, targetedRefreshes: 1, consecutiveErrors: 0 });
    expect(h.refresher.status().events?.applied).toEqual({ 'image-action': 1 });
    expect(await queued(h)).toBe(0);
    // The repositories not read again keep their lists and, where they knew every blob's size, their sizes.
    const next = h.refresher.snapshot();
    const sizesAfter = repositorySizes(next);
    const frontend = repositoryId(ACCOUNT, REGION, 'web/frontend');
    let kept = 0;
    for (const [id, images] of next.imagesByRepository) {
      expect(sizesAfter.get(id), id).toEqual(computeRepositorySizes(images, next.layerSizes));
      if (id !== frontend && sizesBefore.get(id)!.imagesWithoutLayers === 0) {
        expect(sizesAfter.get(id)).toBe(sizesBefore.get(id));
        kept += 1;
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(sizesAfter.get(frontend)).not.toBe(sizesBefore.get(frontend));
  });

  it('a delete (ECR Image Action DELETE) removes the image and its findings', async () => {
    const { h, c } = await start();
    const victim = h.refresher.snapshot().imagesByRepository.get(repositoryId(ACCOUNT, REGION, 'web/frontend'))!.find((i) => h.refresher.snapshot().findings.has(i.digest) && i.kind !== 'index')!;
    expect(victim).toBeDefined();
    const elsewhere = h.refresher.snapshot().images.some((i) => i.digest === victim.digest && i.repositoryId !== victim.repositoryId);
    await deleteImage(h, 'web/frontend', victim.digest);
    await c.poll();
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).not.toContain(victim.digest);
    expect(h.refresher.snapshot().findings.has(victim.digest)).toBe(elsewhere);
    expect(c.state().applied['image-action']).toBeGreaterThanOrEqual(1);
  });

  it('a basic scan (ECR Image Scan) brings its counts', async () => {
    const { h, c } = await start();
    const pushed = image('scanned-1', ['s1']);
    h.emulator.events.hold();
    await admin(h, 'POST', '/images', { repositoryName: 'platform/api', image: pushed });
    h.emulator.events.release();
    await c.poll();
    expect(h.refresher.snapshot().images.find((i) => i.digest === pushed.digest)!.scan.counts).toBeUndefined();

    const finding = { name: 'CVE-2026-0001', severity: 'CRITICAL' };
    await admin(h, 'POST', '/images/scan', { repositoryName: 'platform/api', digest: pushed.digest, scan: { type: 'BASIC', status: 'COMPLETE', completedAt: REFERENCE_NOW / 1000, findings: [finding, { ...finding, name: 'CVE-2026-0002' }] } });
    await c.poll();
    const scanned = h.refresher.snapshot().images.find((i) => i.digest === pushed.digest)!;
    expect(scanned.scan.counts?.CRITICAL).toBe(2);
    expect(c.state().applied['image-scan']).toBe(1);
  });

  it('an enhanced scan (Inspector2 Scan, repository named by its ARN) brings its counts', async () => {
    const { h, c } = await start();
    const target = h.refresher.snapshot().imagesByRepository.get(repositoryId(OTHER, REGION, 'ml/inference'))![0]!;
    const vulnerability = { title: 'CVE-2026-0100 - openssl', severity: 'HIGH', status: 'ACTIVE', packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2026-0100', vulnerablePackages: [] } };
    const scan = { type: 'ENHANCED', status: 'ACTIVE', completedAt: REFERENCE_NOW / 1000, enhancedFindings: [vulnerability] };
    const body = await admin(h, 'POST', '/images/scan', { accountId: OTHER, repositoryName: 'ml/inference', digest: target.digest, scan });
    expect(body).toEqual({ scanned: target.digest });
    await c.poll();
    expect(c.state().applied['enhanced-scan']).toBe(1);
    expect(h.refresher.snapshot().images.find((i) => i.digest === target.digest && i.repositoryId === target.repositoryId)!.scan.counts?.HIGH).toBe(1);
  });

  it('a lifecycle policy change (CloudTrail PutLifecyclePolicy) reads the policy at once, whatever POLICY_REFRESH_INTERVAL says', async () => {
    const { h, c } = await start({ POLICY_REFRESH_INTERVAL: String(7 * 86400) });
    const text = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 }, action: { type: 'expire' } }] });
    await admin(h, 'PUT', '/repositories/lifecycle-policy', { repositoryName: 'data/etl', lifecyclePolicyText: text });
    await c.poll();
    const repository = h.refresher.snapshot().repositoryById.get(repositoryId(ACCOUNT, REGION, 'data/etl'))!;
    expect(repository.lifecyclePolicyText).toBe(text);
    expect(c.state().applied.lifecycle).toBe(1);
  });

  it('a replication (ECR Replication Action, as AWS documents it) reads the destination repository', async () => {
    const { h, c } = await start();
    const replicated = image('replicated-1', ['r1']);
    // The copy lands without its own event reaching us; the replication event names it.
    h.emulator.events.hold();
    await admin(h, 'POST', '/images', { region: 'eu-west-1', repositoryName: 'web/frontend', image: replicated });
    h.emulator.events.drop();
    const event = {
      version: '0', id: 'replication-1', 'detail-type': 'ECR Replication Action', source: 'aws.ecr', account: ACCOUNT, time: new Date().toISOString(), region: 'eu-west-1', resources: [],
      detail: { result: 'SUCCESS', 'repository-name': 'web/frontend', 'image-digest': replicated.digest, 'source-account': ACCOUNT, 'action-type': 'REPLICATE', 'source-region': REGION, 'image-tag': 'r1' },
    };
    await h.clients.sqs(REGION).send(new SendMessageCommand({ QueueUrl: h.emulator.eventsQueueUrl, MessageBody: JSON.stringify(event) }));
    await c.poll();
    expect(digestsOf(h, ACCOUNT, 'eu-west-1', 'web/frontend')).toContain(replicated.digest);
    expect(c.state().applied.replication).toBe(1);
  });

  it('a repository deleted (CloudTrail DeleteRepository) leaves the snapshot with its images', async () => {
    const { h, c } = await start();
    const id = repositoryId(ACCOUNT, REGION, 'data/etl');
    expect(h.refresher.snapshot().repositoryById.has(id)).toBe(true);
    await admin(h, 'POST', '/repositories/delete', { repositoryName: 'data/etl' });
    await c.poll();
    expect(h.refresher.snapshot().repositoryById.has(id)).toBe(false);
    expect(h.refresher.snapshot().images.some((i) => i.repositoryId === id)).toBe(false);
    expect(c.state().applied['api-call']).toBe(1);
  });

  it('a task started and stopped (ECS Task State Change) reads its cluster: running, then stopped', async () => {
    const { h, c } = await start();
    h.emulator.controls.resetCalls();
    const started = (await admin(h, 'POST', '/tasks/start', { cluster: 'staging', taskDefinition: 'data-etl:1' })) as { task: string };
    await c.poll();
    // data-etl:1 runs two containers (etl, otel): a use each.
    const usesOf = () => h.refresher.snapshot().uses.filter((u) => u.task === started.task);
    expect(usesOf().map((u) => `${u.kind} ${u.container}`).sort()).toEqual(['running-task etl', 'running-task otel']);
    expect(h.emulator.controls.callCount('ecs:ListClusters')).toBe(0);
    expect(h.emulator.controls.callCount('ecs:ListServices')).toBe(1);

    await admin(h, 'POST', '/tasks/stop', { cluster: 'staging', task: started.task });
    await c.poll();
    expect(usesOf().map((u) => `${u.kind} ${u.container}`).sort()).toEqual(['stopped-task etl', 'stopped-task otel']);
    expect(c.state().applied['task-state']).toBe(2);
  });

  it('a service deployment (ECS Deployment State Change) reads its cluster: the service runs the new revision', async () => {
    const { h, c } = await start();
    const serviceRevision = () => h.refresher.snapshot().uses.filter((u) => u.kind === 'service' && u.service === 'frontend').map((u) => u.taskDefinition);
    expect(serviceRevision()).not.toContain('web-frontend:1');
    await admin(h, 'POST', '/services/deploy', { cluster: 'prod', service: 'frontend', taskDefinition: 'web-frontend:1' });
    await c.poll();
    expect(serviceRevision()).toContain('web-frontend:1');
    expect(c.state().applied.deployment).toBe(1);
  });
});

describe('registry-wide changes', () => {
  const replicationChange = () =>
    JSON.stringify({
      version: '0', id: 'trail-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ecr', account: ACCOUNT, time: new Date().toISOString(), region: REGION, resources: [],
      detail: { eventSource: 'ecr.amazonaws.com', eventName: 'PutReplicationConfiguration', requestParameters: { replicationConfiguration: { rules: [] } } },
    });

  it('a registry-wide setting (CloudTrail PutReplicationConfiguration) starts a full refresh', async () => {
    const { h, c } = await start();
    h.emulator.controls.resetCalls();
    const version = h.refresher.snapshot().version;
    await h.clients.sqs(REGION).send(new SendMessageCommand({ QueueUrl: h.emulator.eventsQueueUrl, MessageBody: replicationChange() }));
    await c.poll();
    expect(h.emulator.controls.callCount('ecr:DescribeRegistry')).toBe(3);
    expect(h.emulator.controls.callCount('ecs:ListClusters')).toBe(3);
    expect(h.refresher.snapshot().version).toBe(version + 1);
    expect(c.state().applied['api-call']).toBe(1);
  });

  it('a round naming more repositories than a targeted read takes (a scan settings change) starts a full refresh', async () => {
    const { h, c } = await start();
    const names = Array.from({ length: MAX_TARGETED_REPOSITORIES + 1 }, (_, i) => ({ 'repository-name': `team/app-${i}` }));
    const change = (id: string, repositories: { 'repository-name': string }[]) =>
      JSON.stringify({
        version: '0', id, 'detail-type': 'ECR Scan Resource Change', source: 'aws.ecr', account: ACCOUNT, time: new Date().toISOString(), region: REGION, resources: [],
        detail: { 'action-type': 'SCAN_FREQUENCY_CHANGE', repositories },
      });
    // At the cap, a targeted read: no full refresh.
    h.emulator.controls.resetCalls();
    await h.clients.sqs(REGION).send(new SendMessageCommand({ QueueUrl: h.emulator.eventsQueueUrl, MessageBody: change('scan-1', names.slice(1)) }));
    await c.poll();
    expect(h.emulator.controls.callCount('ecs:ListClusters')).toBe(0);
    // One more: the full refresh reads everything instead.
    h.emulator.controls.resetCalls();
    await h.clients.sqs(REGION).send(new SendMessageCommand({ QueueUrl: h.emulator.eventsQueueUrl, MessageBody: change('scan-2', names) }));
    await c.poll();
    expect(h.emulator.controls.callCount('ecr:DescribeRegistry')).toBe(3);
    expect(h.emulator.controls.callCount('ecs:ListClusters')).toBe(3);
    expect(c.state().applied['scan-resource-change']).toBe(2);
  });

  it('within REFRESH_MIN_INTERVAL, the rest of the round is still read', async () => {
    const { h, c } = await start({ REFRESH_MIN_INTERVAL: '3600' });
    h.emulator.events.hold();
    const pushed = image('with-registry-change', ['rc']);
    await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: pushed });
    await h.clients.sqs(REGION).send(new SendMessageCommand({ QueueUrl: h.emulator.eventsQueueUrl, MessageBody: replicationChange() }));
    h.emulator.events.release();
    h.emulator.controls.resetCalls();
    expect(await c.poll()).toBe(2);
    // The full refresh was refused by the rate limit: only the pushed repository was read.
    expect(h.emulator.controls.callCount('ecs:ListClusters')).toBe(0);
    expect(h.emulator.controls.callCount('ecr:DescribeImages')).toBe(1);
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).toContain(pushed.digest);
  });
});

describe('events are best-effort: the snapshot is right after reconciliation whatever happens to them', () => {
  it('a lost event: the push is missing until the full refresh reconciles it', async () => {
    const { h } = await start();
    const pushed = image('lost-1', ['lost']);
    h.emulator.events.hold();
    await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: pushed });
    expect(h.emulator.events.drop()).toBe(1);
    expect(await queued(h)).toBe(0);
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).not.toContain(pushed.digest);
    await h.refresher.run();
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).toContain(pushed.digest);
  });

  it('duplicated events: applied in one targeted refresh, each message deleted', async () => {
    const { h, c } = await start();
    const pushed = image('dup-1', ['dup']);
    h.emulator.events.hold();
    await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: pushed });
    h.emulator.events.release({ duplicate: true });
    h.emulator.controls.resetCalls();
    expect(await c.poll()).toBe(2);
    expect(c.state()).toMatchObject({ applied: { 'image-action': 2 }, targetedRefreshes: 1 });
    expect(h.emulator.controls.callCount('ecr:DescribeImages')).toBe(1);
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend').filter((d) => d === pushed.digest)).toHaveLength(1);
    expect(await queued(h)).toBe(0);
  });

  it('SQS delivering copies and out of order, as AWS documents standard queues: every copy applied and deleted, the snapshot right', async () => {
    const { h, c } = await start();
    h.emulator.controls.update({ sqs: { duplicateProbability: 1, unordered: true } });
    h.emulator.events.hold();
    const kept = Array.from({ length: 6 }, (_, i) => image(`sqs-kept-${i}`, [`k${i}`]));
    const gone = image('sqs-gone', ['tmp']);
    for (const img of [...kept, gone]) await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: img });
    await deleteImage(h, 'web/frontend', gone.digest);
    // Eight events (seven pushes, one delete), each stored twice by the queue.
    expect(h.emulator.events.release()).toBe(8);
    expect(await queued(h)).toBe(16);
    let rounds = 0;
    while ((await queued(h)) > 0 && rounds++ < 10) await c.poll();
    expect(c.state()).toMatchObject({ received: 16, applied: { 'image-action': 16 } });
    expect(await queued(h)).toBe(0);
    const served = digestsOf(h, ACCOUNT, REGION, 'web/frontend');
    for (const img of kept) expect(served.filter((d) => d === img.digest)).toHaveLength(1);
    expect(served).not.toContain(gone.digest);
  });

  it('a burst of pushes is applied in one targeted refresh (up to 100 messages a round)', async () => {
    const { h, c } = await start();
    h.emulator.events.hold();
    const pushed = Array.from({ length: 25 }, (_, i) => image(`burst-${i}`, [`b${i}`]));
    for (const [i, img] of pushed.entries()) await admin(h, 'POST', '/images', { repositoryName: i % 2 ? 'web/frontend' : 'platform/api', image: img });
    expect(h.emulator.events.release()).toBe(25);
    h.emulator.controls.resetCalls();
    expect(await c.poll()).toBe(25);
    expect(c.state()).toMatchObject({ received: 25, applied: { 'image-action': 25 }, targetedRefreshes: 1 });
    // Each repository read once, however many events named it.
    expect(h.emulator.controls.callCount('ecr:DescribeImages')).toBe(2);
    expect(h.emulator.controls.callCount('sqs:ReceiveMessage')).toBe(3);
    const served = new Set(h.refresher.snapshot().images.map((i) => i.digest));
    for (const img of pushed) expect(served.has(img.digest)).toBe(true);
    expect(await queued(h)).toBe(0);
  });

  it('reordered events (the DELETE before the PUSH): the image is gone, as it is in ECR', async () => {
    const { h, c } = await start();
    const pushed = image('reorder-1', ['tmp']);
    h.emulator.events.hold();
    await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: pushed });
    await deleteImage(h, 'web/frontend', pushed.digest);
    expect(h.emulator.events.release({ order: 'reverse' })).toBe(2);
    await c.poll();
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).not.toContain(pushed.digest);
  });

  it('a late PUSH redelivered after the DELETE was applied does not bring the image back', async () => {
    const { h, c } = await start();
    const pushed = image('late-1', ['late']);
    const seen: BusEvent[] = [];
    h.emulator.events.subscribe((e) => seen.push(e));
    await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: pushed });
    await c.poll();
    await deleteImage(h, 'web/frontend', pushed.digest);
    await c.poll();
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).not.toContain(pushed.digest);
    const push = seen.find((e) => e.detail['action-type'] === 'PUSH')!;
    await h.clients.sqs(REGION).send(new SendMessageCommand({ QueueUrl: h.emulator.eventsQueueUrl, MessageBody: JSON.stringify(push) }));
    await c.poll();
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).not.toContain(pushed.digest);
  });

  it('ignores (and deletes) malformed messages, unknown events and registries it does not read', async () => {
    const { h, c } = await start();
    const sqs = h.clients.sqs(REGION);
    const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: h.emulator.eventsQueueUrl, MessageBody: body }));
    const envelope = { version: '0', id: 'x', time: new Date().toISOString(), region: REGION, resources: [], detail: { 'repository-name': 'web/frontend', 'action-type': 'PUSH' } };
    await send('not json {');
    await send(JSON.stringify({ ...envelope, source: 'aws.s3', 'detail-type': 'Object Created', account: ACCOUNT }));
    await send(JSON.stringify({ ...envelope, source: 'aws.ecr', 'detail-type': 'ECR Image Action', account: '999999999999' }));
    const version = h.refresher.snapshot().version;
    expect(await c.poll()).toBe(3);
    expect(c.state().ignored).toEqual({ malformed: 1, 'unknown-event': 1, 'not-watched': 1 });
    expect(c.state().targetedRefreshes).toBe(0);
    expect(h.refresher.snapshot().version).toBe(version);
    expect(await queued(h)).toBe(0);
  });

  it('a targeted read that fails keeps what the snapshot knew and says so; the next event clears it', async () => {
    const { h, c } = await start();
    const before = digestsOf(h, ACCOUNT, REGION, 'platform/api');
    h.emulator.controls.update({ faults: { 'ecr:DescribeImages': { serverErrorProbability: 1 } } });
    await admin(h, 'POST', '/images', { repositoryName: 'platform/api', image: image('fault-1', ['f1']) });
    await c.poll();
    expect(digestsOf(h, ACCOUNT, REGION, 'platform/api').sort()).toEqual([...before].sort());
    expect(h.refresher.snapshot().incomplete).toContainEqual(expect.objectContaining({ scope: 'images', target: 'platform/api', operation: 'DescribeImages' }));

    h.emulator.controls.update({ faults: {} });
    await admin(h, 'POST', '/images', { repositoryName: 'platform/api', image: image('fault-2', ['f2']) });
    await c.poll();
    expect(digestsOf(h, ACCOUNT, REGION, 'platform/api')).toEqual(expect.arrayContaining([digestOf('fault-1'), digestOf('fault-2')]));
    expect(h.refresher.snapshot().incomplete.filter((e) => e.target === 'platform/api')).toEqual([]);
  });

  it('the background loop applies a push and says so', async () => {
    const { h, c } = await start();
    c.start();
    const applied = once(c.rounds, 'applied');
    const pushed = image('loop-1', ['loop']);
    await admin(h, 'POST', '/images', { repositoryName: 'web/frontend', image: pushed });
    const [events] = (await applied) as [{ kind: string }[]];
    expect(events.map((e) => e.kind)).toEqual(['image-action']);
    expect(digestsOf(h, ACCOUNT, REGION, 'web/frontend')).toContain(pushed.digest);
    expect(c.state().running).toBe(true);
    await c.stop();
    expect(c.state().running).toBe(false);
  });

  it('a targeted refresh records only the uses it read, and never counts as watching ECS without a gap', async () => {
    harness = await startHarness();
    const dir = mkdtempSync(join(tmpdir(), 'ecr-lens-events-'));
    const store = openSqliteStore(dir);
    let now = REFERENCE_NOW;
    const h = harness;
    const refresher = new Refresher({ config: h.config, clients: h.clients, now: () => now, memory: { ledger: store.ledger, retention: useRetention(h.config.cleanup) } });
    try {
      const c = new EventConsumer({ queue: new EventQueue(h.clients.sqs(REGION), h.emulator.eventsQueueUrl), applier: refresher, log: silentLogger });
      const watchedSince = () => refresher.snapshot().sources?.find((s) => s.source === 'ecs' && s.accountId === ACCOUNT && s.region === REGION)?.watchedSince;
      await refresher.run();
      expect(watchedSince()).toBe(REFERENCE_NOW);

      // Two hours without a full refresh (say they failed), then events: a task starts in staging.
      now += 2 * 3_600_000;
      const started = (await admin(h, 'POST', '/tasks/start', { cluster: 'staging', taskDefinition: 'data-etl:1' })) as { task: string };
      await c.poll();
      expect(refresher.snapshot().uses.some((u) => u.task === started.task)).toBe(true);
      expect(watchedSince()).toBe(REFERENCE_NOW);
      const seen = await store.ledger.seenSince(REFERENCE_NOW);
      // The new task's use of an ECR image was seen now; the prod cluster's, not read again, keep the full refresh's time.
      expect(seen.filter((e) => e.use.task === started.task).map((e) => [e.use.container, e.use.lastSeenAt])).toEqual([['etl', now]]);
      const prod = seen.filter((e) => e.use.cluster === 'prod' && e.use.kind === 'running-task');
      expect(prod.length).toBeGreaterThan(0);
      for (const e of prod) expect(e.use.lastSeenAt).toBe(REFERENCE_NOW);

      // The next full refresh sees the two-hour gap: ECS has been watched only since now.
      now += 10 * 60_000;
      await refresher.run();
      expect(watchedSince()).toBe(now);
    } finally {
      await refresher.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
