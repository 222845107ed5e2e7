/** Parsing of container image references that point at ECR. */

export interface EcrReference {
  readonly accountId: string;
  readonly region: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repo>[:tag][@digest], and the dual-stack form.
const ECR_HOST = /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** The tag a reference without tag or digest names. */
export const IMPLICIT_TAG = 'latest';

/** Returns the ECR repository, tag (`latest` when none is written) and digest a reference names, or undefined for non-ECR references. */
export function parseEcrReference(reference: string): EcrReference | undefined {
  const slash = reference.indexOf('/');
  if (slash <= 0) return undefined;
  const host = ECR_HOST.exec(reference.slice(0, slash));
  if (!host) return undefined;
  let rest = reference.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    if (!DIGEST.test(digest)) return undefined;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) return undefined;
  // Docker, ECS, Lambda and Kubernetes pull `repo` as `repo:latest`: an implicit tag is still a use of it.
  if (!tag && !digest) tag = IMPLICIT_TAG;
  return { accountId: host[1]!, region: host[2]!, repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export const repositoryUri = (accountId: string, region: string, name: string): string =>
  `${accountId}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/${name}`;
