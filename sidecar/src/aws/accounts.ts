/** The accounts the AWS clients read: owned here, so aws/ needs nothing from the settings reader above it. */

export interface AccountConfig {
  /** A label for logs and status: `default` for the credential chain's own account, else the role's account id. */
  readonly name: string;
  /** 12-digit account id when known up front (a role ARN's account, or ECR_REGISTRY_ID). */
  readonly accountId?: string;
  /** Assumed with STS for this account; absent = the default credential chain. */
  readonly roleArn?: string;
  readonly externalId?: string;
  readonly regions: readonly string[];
}
