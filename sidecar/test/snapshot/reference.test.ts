import { describe, expect, it } from 'vitest';
import { parseEcrReference, repositoryUri } from '../../src/snapshot/reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseEcrReference', () => {
  it.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1', { accountId: '123456789012', region: 'us-east-1', repository: 'api', tag: 'v1' }],
    // No tag and no digest: pulled as :latest, so it names the image tagged latest.
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api', { accountId: '123456789012', region: 'eu-west-1', repository: 'team/api', tag: 'latest' }],
    [`123456789012.dkr.ecr.us-east-1.amazonaws.com/api@${digest}`, { accountId: '123456789012', region: 'us-east-1', repository: 'api', digest }],
    [`123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v2@${digest}`, { accountId: '123456789012', region: 'us-east-1', repository: 'api', tag: 'v2', digest }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api:x', { accountId: '123456789012', region: 'cn-north-1', repository: 'api', tag: 'x' }],
    ['123456789012.dkr-ecr.us-east-1.on.aws/api:x', { accountId: '123456789012', region: 'us-east-1', repository: 'api', tag: 'x' }],
    ['123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/api:x', { accountId: '123456789012', region: 'us-east-1', repository: 'api', tag: 'x' }],
  ])('parses %s', (reference, expected) => {
    expect(parseEcrReference(reference)).toEqual(expected);
  });

  it.each([
    'nginx:latest',
    'docker.io/library/nginx:1.25',
    'public.ecr.aws/nginx/nginx:latest',
    '12345.dkr.ecr.us-east-1.amazonaws.com/api:v1',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:nothex',
  ])('rejects %s', (reference) => {
    expect(parseEcrReference(reference)).toBeUndefined();
  });

  it('builds repository URIs, with the .cn suffix in China regions', () => {
    expect(repositoryUri('123456789012', 'us-east-1', 'api')).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/api');
    expect(repositoryUri('123456789012', 'cn-north-1', 'api')).toBe('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api');
  });
});
