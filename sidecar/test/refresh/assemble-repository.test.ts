import { describe, expect, it } from 'vitest';
import { assembleRepository, registryScanFrequency, replicationDestinations, replicationRules, summarizeRepositoryPolicy } from '../../src/refresh/assemble-repository.js';

const OWNER = '111111111111';
const policy = (...statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('summarizeRepositoryPolicy', () => {
  it('is absent without a policy', () => {
    expect(summarizeRepositoryPolicy(undefined, OWNER)).toEqual({ present: false, pullAccounts: [], pushAccounts: [], crossAccount: false });
  });

  it('reads pull and push grants by account id, ARN and wildcard actions', () => {
    const text = policy(
      { Sid: 'pull', Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::222222222222:root', '333333333333'] }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] },
      { Sid: 'push', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444444444444:role/ci' }, Action: 'ecr:*' },
      { Sid: 'own', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'] },
      { Sid: 'svc', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage' },
      { Sid: 'deny', Effect: 'Deny', Principal: '*', Action: 'ecr:*' },
    );
    expect(summarizeRepositoryPolicy(text, OWNER)).toEqual({
      present: true,
      pullAccounts: ['222222222222', '333333333333', '444444444444'],
      pushAccounts: [OWNER, '444444444444'],
      crossAccount: true,
    });
  });

  it('reads public access, case-insensitive glob actions and NotAction', () => {
    expect(summarizeRepositoryPolicy(policy({ Effect: 'Allow', Principal: '*', Action: 'ECR:batch*' }), OWNER)).toEqual({
      present: true,
      pullAccounts: ['*'],
      pushAccounts: [],
      crossAccount: true,
    });
    expect(summarizeRepositoryPolicy(policy({ Effect: 'Allow', Principal: { AWS: '*' }, NotAction: 'ecr:PutImage' }), OWNER).pushAccounts).toEqual(['*']);
    expect(summarizeRepositoryPolicy(policy({ Effect: 'Allow', Principal: { AWS: OWNER }, Action: 'ecr:DescribeImages' }), OWNER)).toEqual({
      present: true,
      pullAccounts: [],
      pushAccounts: [],
      crossAccount: false,
    });
  });

  it('accepts a single statement object and survives text that is not JSON', () => {
    expect(summarizeRepositoryPolicy(JSON.stringify({ Statement: { Effect: 'Allow', Principal: { AWS: OWNER }, Action: 'ecr:BatchGetImage' } }), OWNER).pullAccounts).toEqual([OWNER]);
    expect(summarizeRepositoryPolicy('not json', OWNER)).toEqual({ present: true, pullAccounts: [], pushAccounts: [], crossAccount: false });
  });
});

describe('replication and scanning rules', () => {
  const rules = replicationRules([
    { destinations: [{ region: 'eu-west-1', registryId: OWNER }], repositoryFilters: [{ filter: 'team-a/', filterType: 'PREFIX_MATCH' }] },
    { destinations: [{ region: 'us-west-2', registryId: '222222222222' }, { region: 'eu-west-1', registryId: OWNER }] },
  ]);

  it('matches PREFIX_MATCH filters, and rules without filters match every repository', () => {
    expect(replicationDestinations(rules, 'team-a/api')).toEqual([
      { region: 'eu-west-1', registryId: OWNER },
      { region: 'us-west-2', registryId: '222222222222' },
    ]);
    expect(replicationDestinations(rules, 'team-b/api')).toEqual([
      { region: 'us-west-2', registryId: '222222222222' },
      { region: 'eu-west-1', registryId: OWNER },
    ]);
    expect(replicationDestinations([], 'x')).toEqual([]);
  });

  it('matches WILDCARD scanning filters, where * also spans slashes', () => {
    const scanning = [
      { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'prod*', filterType: 'WILDCARD' }] },
      { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
    ];
    expect(registryScanFrequency(scanning, 'prod/api')).toBe('CONTINUOUS_SCAN');
    expect(registryScanFrequency(scanning, 'dev/api')).toBe('SCAN_ON_PUSH');
    expect(registryScanFrequency(scanning.slice(0, 1), 'dev/api')).toBeUndefined();
  });
});

describe('assembleRepository', () => {
  it('builds the model repository', () => {
    expect(
      assembleRepository({
        repository: {
          repositoryName: 'team-a/api',
          repositoryArn: `arn:aws:ecr:us-east-1:${OWNER}:repository/team-a/api`,
          repositoryUri: `${OWNER}.dkr.ecr.us-east-1.amazonaws.com/team-a/api`,
          registryId: OWNER,
          createdAt: new Date(1_600_000_000_000),
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:111111111111:key/k' },
        },
        accountId: OWNER,
        region: 'us-east-1',
        lifecyclePolicyText: '{"rules":[]}',
        tags: [{ Key: 'team', Value: 'a' }],
        replicationRules: rules(),
      }),
    ).toEqual({
      id: `${OWNER}/us-east-1/team-a/api`,
      accountId: OWNER,
      region: 'us-east-1',
      name: 'team-a/api',
      arn: `arn:aws:ecr:us-east-1:${OWNER}:repository/team-a/api`,
      uri: `${OWNER}.dkr.ecr.us-east-1.amazonaws.com/team-a/api`,
      createdAt: 1_600_000_000_000,
      tagMutability: 'IMMUTABLE',
      scanOnPush: true,
      encryptionType: 'KMS',
      kmsKey: 'arn:aws:kms:us-east-1:111111111111:key/k',
      lifecyclePolicyText: '{"rules":[]}',
      policy: { present: false, pullAccounts: [], pushAccounts: [], crossAccount: false },
      replicationDestinations: [{ region: 'eu-west-1', registryId: OWNER }],
      tags: { team: 'a' },
    });
  });
});

function rules() {
  return replicationRules([{ destinations: [{ region: 'eu-west-1', registryId: OWNER }], repositoryFilters: [{ filter: 'team-', filterType: 'PREFIX_MATCH' }] }]);
}
