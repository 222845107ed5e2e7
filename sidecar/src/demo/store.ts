/**
 * The emulator's mutable state, built from a fixture. Compact on purpose (1,000,000 images): an image
 * record points at the fixture's image object (whose layer objects and strings the generator shares)
 * and only copies what can change (tags, status). Deleted images leave a hole so that positions held
 * in page tokens stay valid.
 */
import type {
  Fixture,
  FixtureBlob,
  FixtureCluster,
  FixtureImage,
  FixtureRegistry,
  FixtureRepository,
  FixtureService,
  FixtureTask,
  FixtureTaskDefinition,
} from './fixture.js';
import { INDEX_MEDIA_TYPES, MEDIA_TYPES } from './fixture.js';
import { Controls } from './controls.js';
import type { EventBus, EventOrigin } from './events.js';
import { apiCall, imageActions, silentBus } from './events.js';
import { LambdaRegistryState, imageResolver } from './lambda-state.js';

export type ImageStatus = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';

/** The OCI empty descriptor, used as the config of artifacts that declare none. */
export const EMPTY_CONFIG: FixtureBlob = {
  mediaType: MEDIA_TYPES.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};

export interface ImageRecord {
  /** Replaced (never mutated) when a scan completes. */
  img: FixtureImage;
  /** Undefined when untagged. Replaced, never mutated, so the fixture's arrays stay intact. */
  tags: readonly string[] | undefined;
  /** imageSizeInBytes: layers + config, or an index's largest child (sent unless the image says `sizeReported: false`). */
  size: number;
  status: ImageStatus;
  lastArchivedAt: number | undefined;
  /** Position in RepositoryState.images. */
  readonly pos: number;
}

export const isIndex = (img: FixtureImage): boolean => INDEX_MEDIA_TYPES.includes(img.mediaType);
export const effectiveConfig = (img: FixtureImage): FixtureBlob => img.config ?? EMPTY_CONFIG;

function manifestSize(img: FixtureImage): number {
  let size = effectiveConfig(img).size;
  for (const layer of img.layers ?? []) size += layer.size;
  return size;
}

export class RepositoryState {
  readonly arn: string;
  readonly uri: string;
  /** Holes (undefined) where images were deleted. */
  readonly images: (ImageRecord | undefined)[] = [];
  readonly byDigest = new Map<string, ImageRecord>();
  readonly byTag = new Map<string, ImageRecord>();
  /** child digest -> digests of the indexes listing it; only for repositories with indexes. */
  parents: Map<string, Set<string>> | undefined;
  /** The fixture's, until changed through the controls. */
  lifecyclePolicyText: string | undefined;

  constructor(
    readonly registry: RegistryState,
    readonly src: FixtureRepository,
  ) {
    this.lifecyclePolicyText = src.lifecyclePolicyText;
    this.arn = `arn:aws:ecr:${registry.region}:${registry.accountId}:repository/${src.name}`;
    this.uri = `${registry.accountId}.dkr.ecr.${registry.region}.amazonaws.com/${src.name}`;
    for (const img of src.images) this.add(img, false);
    for (const rec of this.images) if (rec && isIndex(rec.img)) this.linkIndex(rec);
  }

  get name(): string {
    return this.src.name;
  }

  liveImageCount(): number {
    return this.byDigest.size;
  }

  /** Adds an image as a push does: its tags move away from any image that held them. */
  add(img: FixtureImage, moveTags = true): ImageRecord {
    const existing = this.byDigest.get(img.digest);
    if (existing) this.remove(existing);
    const rec: ImageRecord = {
      img,
      tags: img.tags && img.tags.length > 0 ? img.tags : undefined,
      size: isIndex(img) ? 0 : manifestSize(img),
      status: img.status ?? 'ACTIVE',
      lastArchivedAt: img.lastArchivedAt,
      pos: this.images.length,
    };
    this.images.push(rec);
    this.byDigest.set(img.digest, rec);
    for (const tag of rec.tags ?? []) {
      const holder = this.byTag.get(tag);
      if (moveTags && holder && holder !== rec)
        this.setTags(
          holder,
          holder.tags?.filter((t) => t !== tag),
        );
      this.byTag.set(tag, rec);
    }
    if (moveTags && isIndex(img)) this.linkIndex(rec);
    return rec;
  }

  private linkIndex(rec: ImageRecord): void {
    let size = 0;
    for (const child of rec.img.children ?? []) {
      this.parents ??= new Map();
      let set = this.parents.get(child.digest);
      if (!set) this.parents.set(child.digest, (set = new Set()));
      set.add(rec.img.digest);
      const childRec = this.byDigest.get(child.digest);
      if (childRec && childRec.size > size) size = childRec.size;
    }
    rec.size = size;
  }

  setTags(rec: ImageRecord, tags: readonly string[] | undefined): void {
    for (const tag of rec.tags ?? []) if (this.byTag.get(tag) === rec) this.byTag.delete(tag);
    rec.tags = tags && tags.length > 0 ? tags : undefined;
    for (const tag of rec.tags ?? []) this.byTag.set(tag, rec);
  }

  /** The live indexes that list this digest. */
  referencingIndexes(digest: string): string[] {
    const set = this.parents?.get(digest);
    return set ? [...set].filter((d) => this.byDigest.has(d)) : [];
  }

  remove(rec: ImageRecord): void {
    this.setTags(rec, undefined);
    this.byDigest.delete(rec.img.digest);
    this.images[rec.pos] = undefined;
    for (const child of rec.img.children ?? []) this.parents?.get(child.digest)?.delete(rec.img.digest);
  }
}

export interface TaskRecord {
  /** The fixture's task, or one made by POST /_emulator/tasks/start. */
  readonly src: FixtureTask;
  lastStatus: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  /** Epoch seconds. */
  stoppedAt: number | undefined;
  stoppedReason: string | undefined;
  stopCode?: string;
}

/** `ECS Task State Change`: sent by ECS when a task's status changes. */
export function taskStateChange(bus: EventBus, task: TaskRecord, cluster: ClusterState): void {
  const { accountId, region } = cluster.registry;
  const taskArn = `arn:aws:ecs:${region}:${accountId}:task/${cluster.name}/${task.src.id}`;
  bus.emit({ accountId, region }, 'aws.ecs', 'ECS Task State Change', {
    clusterArn: cluster.arn,
    taskArn,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    taskDefinitionArn: `arn:aws:ecs:${region}:${accountId}:task-definition/${task.src.taskDefinition}`,
    ...(task.src.group ? { group: task.src.group } : task.src.service ? { group: `service:${task.src.service}` } : {}),
    containers: task.src.containers.map((c) => ({ name: c.name, image: c.image, ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}), lastStatus: task.lastStatus, taskArn })),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
  }, [taskArn]);
}

export class ClusterState {
  readonly arn: string;
  /** A copy of the fixture's list (pointers only): a deployment replaces its service's entry, never the fixture's. */
  readonly services: FixtureService[];
  readonly serviceByName: Map<string, FixtureService>;
  readonly tasks: TaskRecord[];
  readonly taskById: Map<string, TaskRecord>;
  /** Deployment id -> container name -> the digest ECS resolved for it (version consistency). */
  readonly deploymentDigests = new Map<string, Map<string, string>>();

  constructor(
    readonly registry: RegistryState,
    readonly src: FixtureCluster,
  ) {
    this.arn = `arn:aws:ecs:${registry.region}:${registry.accountId}:cluster/${src.name}`;
    this.services = [...(src.services ?? [])];
    this.serviceByName = new Map(this.services.map((s) => [s.name, s]));
    this.tasks = (src.tasks ?? []).map((t) => ({
      src: t,
      lastStatus: t.lastStatus,
      desiredStatus: t.desiredStatus ?? (t.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING'),
      stoppedAt: t.stoppedAt,
      stoppedReason: t.stoppedReason,
    }));
    this.taskById = new Map(this.tasks.map((t) => [t.src.id, t]));
    // What the fixture says ECS resolved for a deployment: its tasks and its service revision run it.
    for (const s of this.services)
      for (const d of s.deployments)
        if (d.containerImages)
          this.deploymentDigests.set(d.id, new Map(d.containerImages.map((i) => [i.containerName, i.imageDigest])));
  }

  get name(): string {
    return this.src.name;
  }

  /** Replaces a service's state (copy on write, as the fixture's objects are shared). */
  replaceService(next: FixtureService): void {
    const at = this.services.findIndex((s) => s.name === next.name);
    if (at >= 0) this.services[at] = next;
    else this.services.push(next);
    this.serviceByName.set(next.name, next);
  }

  addTask(task: TaskRecord): void {
    this.tasks.push(task);
    this.taskById.set(task.src.id, task);
  }
}

export class RegistryState {
  /** Holes (undefined) where repositories were deleted. */
  readonly repositoryList: (RepositoryState | undefined)[] = [];
  readonly repositories = new Map<string, RepositoryState>();
  readonly clusterList: ClusterState[];
  readonly clusters: Map<string, ClusterState>;
  /** family -> revisions, ascending; registering appends. */
  readonly taskDefinitions = new Map<string, FixtureTaskDefinition[]>();
  /** Lambda functions; loaded by EmulatorStore once every registry's repositories exist (images may be cross-account). */
  readonly lambda: LambdaRegistryState;

  constructor(readonly src: FixtureRegistry) {
    this.lambda = new LambdaRegistryState(src.accountId, src.region);
    for (const repo of src.repositories) {
      const state = new RepositoryState(this, repo);
      this.repositoryList.push(state);
      this.repositories.set(repo.name, state);
    }
    this.clusterList = (src.ecs?.clusters ?? []).map((c) => new ClusterState(this, c));
    this.clusters = new Map(this.clusterList.map((c) => [c.name, c]));
    for (const td of src.ecs?.taskDefinitions ?? []) {
      const list = this.taskDefinitions.get(td.family) ?? [];
      list.push(td);
      this.taskDefinitions.set(td.family, list);
    }
    for (const list of this.taskDefinitions.values()) list.sort((a, b) => a.revision - b.revision);
  }

  get accountId(): string {
    return this.src.accountId;
  }
  get region(): string {
    return this.src.region;
  }
  get basicScanTypeVersion(): 'CLAIR' | 'AWS_NATIVE' {
    return this.src.scanning?.basicScanTypeVersion ?? 'CLAIR';
  }
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly accountId: string;
  readonly assumedRoleArn: string;
  readonly assumedRoleId: string;
  /** Epoch ms. */
  readonly expiration: number;
}

export interface RegistrySummary {
  readonly accountId: string;
  readonly region: string;
  readonly repositories: number;
  readonly images: number;
  readonly clusters: number;
  readonly tasks: number;
}

export class EmulatorStore {
  readonly registries = new Map<string, RegistryState>();
  readonly defaultAccountId: string;
  readonly defaultRegion: string;
  /** Account ids that AssumeRole may target. */
  readonly accounts: ReadonlySet<string>;
  private readonly issued = new Map<string, IssuedCredentials>();

  /** `controls` gives the ECS handlers their quirks; `events` is told of every change. */
  constructor(
    fixture: Fixture,
    readonly controls: Controls = new Controls(),
    readonly events: EventBus = silentBus(),
  ) {
    for (const registry of fixture.registries)
      this.registries.set(`${registry.accountId}/${registry.region}`, new RegistryState(registry));
    const repository = this.repository.bind(this);
    for (const r of this.registries.values()) r.lambda.load(r.src.lambda, imageResolver(repository, r.region));
    const first = fixture.registries[0]!;
    this.defaultAccountId = fixture.defaultAccountId ?? first.accountId;
    this.defaultRegion = first.region;
    this.accounts = new Set([this.defaultAccountId, ...fixture.registries.map((r) => r.accountId)]);
  }

  registry(accountId: string, region: string): RegistryState | undefined {
    return this.registries.get(`${accountId}/${region}`);
  }

  repository(accountId: string, region: string, name: string): RepositoryState | undefined {
    return this.registry(accountId, region)?.repositories.get(name);
  }

  /** Removes a repository and its images, as `DeleteRepository --force` would. */
  deleteRepository(accountId: string, region: string, name: string): boolean {
    const registry = this.registry(accountId, region);
    const repo = registry?.repositories.get(name);
    if (!registry || !repo) return false;
    registry.repositories.delete(name);
    registry.repositoryList[registry.repositoryList.indexOf(repo)] = undefined;
    apiCall(this.events, { accountId, region }, 'DeleteRepository', { repositoryName: name, force: true });
    return true;
  }

  /** Pushes an image into an existing repository; ECR sends an image action for each tag pushed. */
  putImage(accountId: string, region: string, repositoryName: string, image: FixtureImage): boolean {
    const repo = this.repository(accountId, region, repositoryName);
    if (!repo) return false;
    repo.add(image);
    imageActions(this.events, { accountId, region }, repositoryName, image.digest, 'PUSH', image.tags);
    return true;
  }

  /** Completes a scan of an image: an `ECR Image Scan` event (basic), or Inspector's `Inspector2 Scan` (enhanced). */
  completeScan(accountId: string, region: string, repositoryName: string, digest: string, scan: NonNullable<FixtureImage['scan']>): boolean {
    const repo = this.repository(accountId, region, repositoryName);
    const rec = repo?.byDigest.get(digest);
    if (!repo || !rec) return false;
    rec.img = { ...rec.img, scan };
    const counts: Record<string, number> = {};
    for (const f of [...(scan.findings ?? []), ...(scan.enhancedFindings ?? [])]) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    const origin: EventOrigin = { accountId, region };
    if (scan.type === 'ENHANCED')
      this.events.emit(origin, 'aws.inspector2', 'Inspector2 Scan', {
        'scan-status': 'INITIAL_SCAN_COMPLETE',
        'repository-name': repo.arn,
        'finding-severity-counts': { CRITICAL: counts.CRITICAL ?? 0, HIGH: counts.HIGH ?? 0, MEDIUM: counts.MEDIUM ?? 0, TOTAL: Object.values(counts).reduce((a, b) => a + b, 0) },
        'image-digest': digest,
        'image-tags': rec.tags ?? [],
      }, [repo.arn]);
    else
      this.events.emit(origin, 'aws.ecr', 'ECR Image Scan', {
        'scan-status': scan.status,
        'repository-name': repositoryName,
        'finding-severity-counts': counts,
        'image-digest': digest,
        'image-tags': rec.tags ?? [],
      }, [repo.arn]);
    return true;
  }

  /** Sets or removes a repository's lifecycle policy, as PutLifecyclePolicy and DeleteLifecyclePolicy do (CloudTrail events). */
  setLifecyclePolicy(accountId: string, region: string, repositoryName: string, text: string | undefined): boolean {
    const repo = this.repository(accountId, region, repositoryName);
    if (!repo) return false;
    repo.lifecyclePolicyText = text;
    apiCall(this.events, { accountId, region }, text === undefined ? 'DeleteLifecyclePolicy' : 'PutLifecyclePolicy', {
      repositoryName,
      ...(text !== undefined ? { lifecyclePolicyText: text } : {}),
    });
    return true;
  }

  /** Marks a task stopped (desired and last status), as `StopTask` would once the task has exited. */
  stopTask(accountId: string, region: string, cluster: string, taskId: string, at: number, reason?: string): boolean {
    const task = this.registry(accountId, region)?.clusters.get(cluster)?.taskById.get(taskId);
    if (!task) return false;
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAt = at;
    task.stoppedReason = reason ?? 'Task stopped by user';
    task.stopCode = 'UserInitiated';
    taskStateChange(this.events, task, this.registry(accountId, region)!.clusters.get(cluster)!);
    return true;
  }

  issue(credentials: IssuedCredentials): void {
    this.issued.set(credentials.accessKeyId, credentials);
  }

  credentials(accessKeyId: string): IssuedCredentials | undefined {
    return this.issued.get(accessKeyId);
  }

  /**
   * The caller's account: issued keys map to the assumed role's account (encoded in the key, so keys issued
   * before a restart still do), any other key to the default.
   */
  accountFor(accessKeyId: string | undefined): string {
    if (!accessKeyId) return this.defaultAccountId;
    const issued = this.issued.get(accessKeyId)?.accountId ?? /^ASIA(\d{12})[0-9A-Z]{4}$/.exec(accessKeyId)?.[1];
    return issued ?? this.defaultAccountId;
  }

  summary(): RegistrySummary[] {
    return [...this.registries.values()].map((r) => {
      let images = 0;
      for (const repo of r.repositories.values()) images += repo.liveImageCount();
      return {
        accountId: r.accountId,
        region: r.region,
        repositories: r.repositories.size,
        images,
        clusters: r.clusterList.length,
        tasks: r.clusterList.reduce((n, c) => n + c.tasks.length, 0),
      };
    });
  }
}
