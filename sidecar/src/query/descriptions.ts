/** Field descriptions shared by several frames; the plugin shows them as column tooltips. */
export const DESCRIBE = {
  account: 'AWS account id of the registry.',
  region: 'AWS region of the registry.',
  repository: 'Repository name.',
  summedSizeBytes:
    'Sum of imageSizeInBytes over the distinct images (indexes left out: their size is their largest child). What other tools show; an upper bound, because layers shared by several images are counted once per image. Images whose size ECR did not report are left out (see imagesWithoutSize in the cost query and the notices).',
  deduplicatedSizeBytes:
    'Each unique layer and config blob of the repository counted once: how ECR bills storage. Images whose layers are unknown are counted at their imageSizeInBytes, or not at all when that is unknown too (see the notices). Archived images are included.',
  monthlyCostUsd: 'Monthly storage cost: deduplicated size in GB (1 GB = 1024^3 bytes) × the price per GB-month of the region.',
  pricePerGbMonth: 'Storage price per GB-month (1 GB = 1024^3 bytes) used for the region, in USD.',
  lastPulledAt: 'Last recorded pull (ECR lastRecordedPullTime); null when never pulled.',
  daysSinceLastPull: 'Whole days since the last recorded pull; null when never pulled.',
  severity: (s: string) => `Number of ${s} findings; null when unknown (not scanned, scan pending, failed or unsupported).`,
} as const;
