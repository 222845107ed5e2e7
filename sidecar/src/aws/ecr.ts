/**
 * ECR fetchers: I/O only. Each returns SDK shapes; turning them into the model is snapshot/assemble-*.
 * Every request goes through the registry's concurrency limit; a paginated listing holds one slot for its
 * pages, which are sequential anyway.
 */
import type {
  DescribeImageScanFindingsCommandOutput,
  DescribeRegistryCommandOutput,
  ECRClient,
  EnhancedImageScanFinding,
  ImageDetail,
  ImageScanFinding,
  ImageScanStatus,
  Repository,
  RegistryScanningConfiguration,
  Tag,
} from '@aws-sdk/client-ecr';
import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  GetRegistryScanningConfigurationCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  paginateDescribeImageScanFindings,
  paginateDescribeImages,
  paginateDescribeRepositories,
} from '@aws-sdk/client-ecr';
import type { LimitFunction } from 'p-limit';
import { ACCEPTED_MEDIA_TYPES } from './media-types.js';

export const PAGE_SIZE = 1000;
export const BATCH_GET_IMAGE_MAX = 100;

export const errorName = (error: unknown): string =>
  error && typeof error === 'object' && 'name' in error ? String((error as { name: unknown }).name) : 'Error';
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export interface RawManifest {
  readonly digest: string;
  readonly text: string;
  readonly mediaType?: string;
}

export interface ManifestBatch {
  readonly manifests: RawManifest[];
  readonly failures: { digest: string; code: string; reason: string }[];
}

export interface ScanFindingsPages {
  readonly status?: ImageScanStatus;
  readonly completedAt?: Date;
  readonly vulnerabilitySourceUpdatedAt?: Date;
  readonly severityCounts?: Record<string, number>;
  readonly findings: ImageScanFinding[];
  readonly enhancedFindings: EnhancedImageScanFinding[];
  /** Only the first page was read (at most one finding): `severityCounts` are ECR's counts of them all. */
  readonly countsOnly?: true;
}

/** ECR reads for one registry (account x region). */
export class EcrFetcher {
  constructor(
    private readonly client: ECRClient,
    private readonly limit: LimitFunction,
    /** Sent as registryId when set (ECR_REGISTRY_ID); else the caller's registry. */
    private readonly registryId?: string,
  ) {}

  private get registry(): { registryId?: string } {
    return this.registryId ? { registryId: this.registryId } : {};
  }

  describeRegistry(): Promise<DescribeRegistryCommandOutput> {
    return this.limit(() => this.client.send(new DescribeRegistryCommand({})));
  }

  async scanningConfiguration(): Promise<RegistryScanningConfiguration | undefined> {
    const out = await this.limit(() => this.client.send(new GetRegistryScanningConfigurationCommand({})));
    return out.scanningConfiguration;
  }

  /**
   * Which basic scanner the registry uses (GetAccountSetting BASIC_SCAN_TYPE_VERSION): CLAIR fills
   * DescribeImages' scan summary, AWS_NATIVE does not. Undefined when the setting cannot be read.
   */
  basicScanner(): Promise<string | undefined> {
    return this.limit(async () => {
      try {
        return (await this.client.send(new GetAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION' }))).value;
      } catch {
        return undefined;
      }
    });
  }

  repositories(): Promise<Repository[]> {
    return this.limit(async () => {
      const all: Repository[] = [];
      for await (const page of paginateDescribeRepositories({ client: this.client, pageSize: PAGE_SIZE }, { ...this.registry }))
        all.push(...(page.repositories ?? []));
      return all;
    });
  }

  /**
   * One repository by name (an event named it), or undefined when ECR says it does not exist. An answer that
   * leaves it out without saying so is an error: the caller keeps what it knew.
   */
  repository(repositoryName: string): Promise<Repository | undefined> {
    return this.limit(async () => {
      try {
        const out = await this.client.send(new DescribeRepositoriesCommand(Object.assign({}, this.registry, { repositoryNames: [repositoryName] })));
        const found = out.repositories?.find((r) => r.repositoryName === repositoryName);
        if (!found) throw new Error(`DescribeRepositories answered without ${repositoryName}`);
        return found;
      } catch (error) {
        if (errorName(error) === 'RepositoryNotFoundException') return undefined;
        throw error;
      }
    });
  }

  /** Every image, archived ones included (imageStatus ANY). */
  async images(repositoryName: string): Promise<ImageDetail[]> {
    const all: ImageDetail[] = [];
    await this.eachImagePage(repositoryName, (page) => {
      for (const detail of page) all.push(detail);
    });
    return all;
  }

  /** Every image, archived ones included, handed to `onPage` a page (up to 1,000) at a time as DescribeImages answers. */
  eachImagePage(repositoryName: string, onPage: (details: readonly ImageDetail[]) => void): Promise<void> {
    return this.limit(async () => {
      const input = Object.assign({}, this.registry, { repositoryName, filter: { tagStatus: 'ANY' as const, imageStatus: 'ANY' as const } });
      for await (const page of paginateDescribeImages({ client: this.client, pageSize: PAGE_SIZE }, input)) onPage(page.imageDetails ?? []);
    });
  }

  /** The lifecycle policy text, or undefined when the repository has none. */
  lifecyclePolicy(repositoryName: string): Promise<string | undefined> {
    return this.limit(async () => {
      try {
        const out = await this.client.send(new GetLifecyclePolicyCommand(Object.assign({}, this.registry, { repositoryName })));
        return out.lifecyclePolicyText;
      } catch (error) {
        if (errorName(error) === 'LifecyclePolicyNotFoundException') return undefined;
        throw error;
      }
    });
  }

  /** The repository policy text, or undefined when the repository has none. */
  repositoryPolicy(repositoryName: string): Promise<string | undefined> {
    return this.limit(async () => {
      try {
        const out = await this.client.send(new GetRepositoryPolicyCommand(Object.assign({}, this.registry, { repositoryName })));
        return out.policyText;
      } catch (error) {
        if (errorName(error) === 'RepositoryPolicyNotFoundException') return undefined;
        throw error;
      }
    });
  }

  tags(repositoryArn: string): Promise<Tag[]> {
    return this.limit(async () => (await this.client.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn }))).tags ?? []);
  }

  /** Manifests of up to 100 digests in one call (the caller chunks). Per-image failures come back, not thrown. */
  manifests(repositoryName: string, digests: readonly string[]): Promise<ManifestBatch> {
    return this.limit(async () => {
      const out = await this.client.send(
        new BatchGetImageCommand(
          Object.assign({}, this.registry, {
            repositoryName,
            imageIds: digests.map((imageDigest) => ({ imageDigest })),
            acceptedMediaTypes: [...ACCEPTED_MEDIA_TYPES],
          }),
        ),
      );
      const manifests: RawManifest[] = [];
      for (const image of out.images ?? []) {
        const digest = image.imageId?.imageDigest;
        if (!digest || image.imageManifest === undefined) continue;
        manifests.push({ digest, text: image.imageManifest, ...(image.imageManifestMediaType ? { mediaType: image.imageManifestMediaType } : {}) });
      }
      const failures = (out.failures ?? []).map((f) => ({
        digest: f.imageId?.imageDigest ?? '',
        code: f.failureCode ?? 'Unknown',
        reason: f.failureReason ?? '',
      }));
      return { manifests, failures };
    });
  }

  /**
   * Every page of an image's scan findings, or undefined when ECR has no scan (ScanNotFoundException). With
   * `countsOnly`, one finding's page when ECR's severity counts come with it (the caller needs the counts, not the
   * findings: an enhanced finding is a few kilobytes to decode), else every page.
   */
  scanFindings(repositoryName: string, imageDigest: string, countsOnly = false): Promise<ScanFindingsPages | undefined> {
    return this.limit(async () => {
      let first = true;
      let result: ScanFindingsPages = { findings: [], enhancedFindings: [] };
      try {
        const input = Object.assign({}, this.registry, { repositoryName, imageId: { imageDigest } });
        let startingToken: string | undefined;
        if (countsOnly) {
          const page = await this.client.send(new DescribeImageScanFindingsCommand(Object.assign({}, input, { maxResults: 1 })));
          result = firstFindingsPage(page);
          if (result.severityCounts) return Object.assign(result, { countsOnly: true as const });
          // No counts given: they are counted from every finding, from the next page on.
          first = false;
          startingToken = page.nextToken;
          if (!startingToken) return result;
        }
        const pages = paginateDescribeImageScanFindings({ client: this.client, pageSize: PAGE_SIZE, ...(startingToken ? { startingToken } : {}) }, input);
        for await (const page of pages) {
          if (first) {
            first = false;
            result = firstFindingsPage(page);
          } else {
            result.findings.push(...(page.imageScanFindings?.findings ?? []));
            result.enhancedFindings.push(...(page.imageScanFindings?.enhancedFindings ?? []));
          }
        }
        return result;
      } catch (error) {
        if (errorName(error) === 'ScanNotFoundException') return undefined;
        throw error;
      }
    });
  }
}

/** What the first page of DescribeImageScanFindings says of the scan, with its findings. */
function firstFindingsPage(page: DescribeImageScanFindingsCommandOutput): ScanFindingsPages {
  const f = page.imageScanFindings;
  return {
    findings: [...(f?.findings ?? [])],
    enhancedFindings: [...(f?.enhancedFindings ?? [])],
    ...(page.imageScanStatus ? { status: page.imageScanStatus } : {}),
    ...(f?.imageScanCompletedAt ? { completedAt: f.imageScanCompletedAt } : {}),
    ...(f?.vulnerabilitySourceUpdatedAt ? { vulnerabilitySourceUpdatedAt: f.vulnerabilitySourceUpdatedAt } : {}),
    ...(f?.findingSeverityCounts ? { severityCounts: f.findingSeverityCounts as Record<string, number> } : {}),
  };
}
