/**
 * One SDK client per service, region and account, created on first use and reused, so each client's
 * adaptive rate limiter and retry quota see all of that registry's traffic.
 *
 * Credentials: the SDK's default chain (environment, profile, SSO, web identity, ECS/EC2 roles), and for
 * other accounts `fromTemporaryCredentials` per role ARN on top of it. Endpoints: nothing is passed in
 * production, so the SDK's own `AWS_ENDPOINT_URL_*` handling applies; demo mode passes endpoints explicitly.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AccountConfig } from './accounts.js';
import { paceParsing } from './parse-turns.js';
import { ArrivalTurns } from '../arrival-turns.js';
import type { AwsCallStats } from './stats.js';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ClientRegistryOptions {
  readonly maxAttempts: number;
  readonly stats: AwsCallStats;
  /** `adaptive` (default) adds the SDK's client-side rate limiter on top of retries. */
  readonly retryMode?: 'adaptive' | 'standard';
  /** Demo and tests only: explicit endpoints. Leave unset so `AWS_ENDPOINT_URL_ECR|ECS|LAMBDA|STS` work. */
  readonly endpoints?: { readonly ecr?: string; readonly ecs?: string; readonly lambda?: string; readonly sts?: string };
  /** Demo and tests only: base credentials instead of the default chain. */
  readonly credentials?: StaticCredentials;
  /** Per-request socket timeout in ms (default 30 s), so a hung connection cannot stall a refresh. */
  readonly requestTimeoutMs?: number;
  /** Sockets per client (default 64). */
  readonly maxSockets?: number;
  /** The turns every client's responses are parsed in (default: the registry's own; the server shares its requests'). */
  readonly parseTurns?: ArrivalTurns;
}

type Credentials = ReturnType<typeof fromTemporaryCredentials>;
type Identity = Awaited<ReturnType<Credentials>>;

/** Renew assumed-role credentials this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * Shares one in-flight AssumeRole among concurrent first callers (the ECR and ECS clients start together)
 * and reuses the credentials until shortly before they expire.
 */
export function shareCredentials(provider: Credentials, now: () => number = Date.now): Credentials {
  let pending: Promise<Identity> | undefined;
  const shared = async (): Promise<Identity> => {
    if (pending) {
      const identity = await pending;
      if (!identity.expiration || identity.expiration.getTime() - now() > RENEW_BEFORE_MS) return identity;
    }
    const next = provider();
    pending = next;
    next.catch(() => {
      if (pending === next) pending = undefined;
    });
    return next;
  };
  return shared as Credentials;
}

/**
 * The SDK's logger middleware copies and filters every response for the client's logger, which here prints nothing
 * (the sidecar logs its own way): at 100,000 images that was a quarter of a second per refresh for no output.
 */
export function withoutSdkLogging(stack: { remove(name: string): boolean }): void {
  stack.remove('loggerMiddleware');
}

/**
 * The SDK resolves a command's middleware stack again (copying and sorting every entry) on each call unless told
 * to keep it per command class: 80-120 µs of CPU a call, a quarter of a small call's, measured (a first refresh at
 * 1,000,000 images makes 400,000 calls). The stacks are complete when a client is made and never changed after,
 * as the option asks (and no call passes options, which would turn it off). The kept handler shares one context per
 * command class between concurrent calls: the middlewares write into it the client's endpoint and user-agent
 * features, the same for every call, and the identity they resolved, so a call signs with the one its client
 * resolved last (the same account or role, at least as fresh as its own). ECR, ECS and Lambda use it; SQS does not
 * (its calls pass an abort signal, and its queue-URL middleware sets the endpoint per call).
 */
const KEEP_RESOLVED_MIDDLEWARE = { cacheMiddleware: true } as const;

export class ClientRegistry {
  private readonly ecrClients = new Map<string, ECRClient>();
  private readonly ecsClients = new Map<string, ECSClient>();
  private readonly lambdaClients = new Map<string, LambdaClient>();
  private readonly sqsClients = new Map<string, SQSClient>();
  private readonly roleCredentials = new Map<string, Credentials>();
  /** One for all clients: they share the one event loop. */
  private readonly parseTurns: ArrivalTurns;

  constructor(private readonly options: ClientRegistryOptions) {
    this.parseTurns = options.parseTurns ?? new ArrivalTurns();
  }

  ecr(account: AccountConfig, region: string): ECRClient {
    const key = this.key(account, region);
    let client = this.ecrClients.get(key);
    if (!client) {
      client = new ECRClient(Object.assign(this.clientConfig(account, region, this.options.endpoints?.ecr), KEEP_RESOLVED_MIDDLEWARE));
      this.options.stats.instrument(client.middlewareStack, 'ecr');
      withoutSdkLogging(client.middlewareStack);
      paceParsing(client.middlewareStack, this.parseTurns);
      this.ecrClients.set(key, client);
    }
    return client;
  }

  ecs(account: AccountConfig, region: string): ECSClient {
    const key = this.key(account, region);
    let client = this.ecsClients.get(key);
    if (!client) {
      client = new ECSClient(Object.assign(this.clientConfig(account, region, this.options.endpoints?.ecs), KEEP_RESOLVED_MIDDLEWARE));
      this.options.stats.instrument(client.middlewareStack, 'ecs');
      withoutSdkLogging(client.middlewareStack);
      paceParsing(client.middlewareStack, this.parseTurns);
      this.ecsClients.set(key, client);
    }
    return client;
  }

  lambda(account: AccountConfig, region: string): LambdaClient {
    const key = this.key(account, region);
    let client = this.lambdaClients.get(key);
    if (!client) {
      client = new LambdaClient(Object.assign(this.clientConfig(account, region, this.options.endpoints?.lambda), KEEP_RESOLVED_MIDDLEWARE));
      this.options.stats.instrument(client.middlewareStack, 'lambda');
      withoutSdkLogging(client.middlewareStack);
      paceParsing(client.middlewareStack, this.parseTurns);
      this.lambdaClients.set(key, client);
    }
    return client;
  }

  /**
   * The events queue's client: the sidecar's own credentials in the queue's region. The queue URL is its
   * endpoint (the SDK's default), and a long poll holds the socket 20 s, so the timeout is longer than that.
   */
  sqs(region: string): SQSClient {
    let client = this.sqsClients.get(region);
    if (!client) {
      const base = this.clientConfig({ name: 'default', regions: [region] }, region, undefined);
      const requestTimeout = Math.max(base.requestHandler.requestTimeout, 30_000);
      client = new SQSClient(Object.assign({}, base, { requestHandler: Object.assign({}, base.requestHandler, { requestTimeout }) }));
      this.options.stats.instrument(client.middlewareStack, 'sqs');
      withoutSdkLogging(client.middlewareStack);
      paceParsing(client.middlewareStack, this.parseTurns);
      this.sqsClients.set(region, client);
    }
    return client;
  }

  /** How many clients exist, per service (tests check reuse). */
  counts(): { ecr: number; ecs: number; roles: number } {
    return { ecr: this.ecrClients.size, ecs: this.ecsClients.size, roles: this.roleCredentials.size };
  }

  destroy(): void {
    for (const client of this.ecrClients.values()) client.destroy();
    for (const client of this.ecsClients.values()) client.destroy();
    for (const client of this.lambdaClients.values()) client.destroy();
    for (const client of this.sqsClients.values()) client.destroy();
    this.sqsClients.clear();
    this.ecrClients.clear();
    this.ecsClients.clear();
    this.lambdaClients.clear();
  }

  private key(account: AccountConfig, region: string): string {
    return `${account.roleArn ?? 'default'}|${region}`;
  }

  private clientConfig(account: AccountConfig, region: string, endpoint: string | undefined) {
    const credentials = account.roleArn ? this.credentialsFor(account, region) : this.options.credentials;
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      retryMode: this.options.retryMode ?? 'adaptive',
      requestHandler: {
        requestTimeout: this.options.requestTimeoutMs ?? 30_000,
        connectionTimeout: 5_000,
        httpAgent: { keepAlive: true, maxSockets: this.options.maxSockets ?? 64 },
        httpsAgent: { keepAlive: true, maxSockets: this.options.maxSockets ?? 64 },
      },
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    };
  }

  /** One caching credential provider per role, shared by its account's clients in every region. */
  private credentialsFor(account: AccountConfig, region: string): Credentials {
    const roleArn = account.roleArn!;
    const key = `${roleArn}|${account.externalId ?? ''}`;
    let provider = this.roleCredentials.get(key);
    if (!provider) {
      provider = shareCredentials(fromTemporaryCredentials({
        params: {
          RoleArn: roleArn,
          RoleSessionName: 'ecr-lens',
          DurationSeconds: 3600,
          ...(account.externalId ? { ExternalId: account.externalId } : {}),
        },
        ...(this.options.credentials ? { masterCredentials: this.options.credentials } : {}),
        clientConfig: {
          region,
          maxAttempts: this.options.maxAttempts,
          ...(this.options.endpoints?.sts ? { endpoint: this.options.endpoints.sts } : {}),
        },
      }));
      this.roleCredentials.set(key, provider);
    }
    return provider;
  }
}
