/**
 * An image whose DescribeImages entry has no imagePushedAt (the API does not promise the field) has an unknown
 * age: the plan keeps it, through the real SDK client and refresher, instead of reading it as pushed in 1970.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { createHash } from 'node:crypto';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureImage } from '../../src/demo/fixture.js';
import { parseFixture } from '../../src/demo/fixture.js';
import type { DemoSidecar } from '../../src/app/demo-sidecar.js';
import { startDemoSidecar } from '../../src/app/demo-sidecar.js';

const DAY = 86_400;
const NOW = 1_767_225_600; // 2026-01-01, epoch seconds
const d = (label: string): string => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const old = (tag: string, patch: Partial<FixtureImage> = {}): FixtureImage => ({
  digest: d(tag),
  tags: [tag],
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  pushedAt: NOW - 400 * DAY,
  config: { digest: d(`${tag}/config`), size: 1000 },
  layers: [{ digest: d(`${tag}/layer`), size: 1_000_000 }],
  ...patch,
});

let demo: DemoSidecar;

beforeAll(async () => {
  demo = await startDemoSidecar({
    fixture: parseFixture({
      version: 1,
      registries: [
        {
          accountId: '111111111111',
          region: 'us-east-1',
          repositories: [{ name: 'api', createdAt: NOW - 500 * DAY, images: [old('dated'), old('undated', { pushedAtReported: false })] }],
        },
      ],
    }),
    now: () => NOW * 1000,
    env: { KEEP_MIN_IMAGE_COUNT: '0', KEEP_IMAGES_NEWER_THAN_DAYS: '7', ECS_ENABLED: 'false', LAMBDA_ENABLED: 'false', CLEANUP_NOTHING_RUNS_FROM: '111111111111' },
  });
});

afterAll(async () => {
  await demo?.close();
});

describe('an image without imagePushedAt', () => {
  it('reaches the SDK without the field', async () => {
    const ecr = demo.server.clients.ecr({ name: 'default', accountId: '111111111111', regions: ['us-east-1'] }, 'us-east-1');
    const { imageDetails = [] } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'api' }));
    const byTag = new Map(imageDetails.map((i) => [i.imageTags?.[0], i]));
    expect(byTag.get('undated')?.imagePushedAt).toBeUndefined();
    expect(byTag.get('dated')?.imagePushedAt).toBeInstanceOf(Date);
  });

  it('is kept by the plan, with the reason, while an old dated image is deleted', async () => {
    const res = await fetch(`${demo.url}/api/v1/cleanup/plan`);
    expect(res.status).toBe(200);
    const { images } = (await res.json()) as { images: { tags: string[]; pushedAt: string | null; decision: string; reasons: { code: string; text: string }[] }[] };
    const undated = images.find((i) => i.tags.includes('undated'))!;
    expect(undated.decision).toBe('keep');
    expect(undated.pushedAt).toBeNull();
    expect(undated.reasons).toEqual([{ code: 'push-time-unknown', text: 'kept: ECR did not report when it was pushed, so its age is unknown' }]);
    expect(images.find((i) => i.tags.includes('dated'))!.decision).toBe('delete');
  });

  it('has a null pushedAt cell in the images frame', async () => {
    const res = await fetch(`${demo.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queryType: 'images', filters: { repository: ['api'] } }),
    });
    expect(res.status).toBe(200);
    const { frame } = (await res.json()) as { frame: { fields: { name: string; values: unknown[] }[] } };
    const column = (name: string) => frame.fields.find((f) => f.name === name)!.values;
    const pushed = new Map(column('tags').map((tag, i) => [tag, column('pushedAt')[i]]));
    expect(pushed.get('undated')).toBeNull();
    expect(pushed.get('dated')).toBe((NOW - 400 * DAY) * 1000);
  });
});
