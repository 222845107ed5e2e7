/** The Kubernetes source's settings from the environment: defaults, the cluster list, and the errors. */
import { describe, expect, it } from 'vitest';
import { kubernetesSourceFromEnv } from '../../src/uses/kubernetes.js';

describe('kubernetesSourceFromEnv', () => {
  it('is disabled without a URL and applies the defaults', () => {
    expect(kubernetesSourceFromEnv({})).toBeUndefined();
    expect(
      kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: '', KUBERNETES_PROMETHEUS_TOKEN: 'x' }),
    ).toBeUndefined();
    expect(kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: 'http://prometheus:9090' })).toEqual({
      url: 'http://prometheus:9090',
      lookbackHours: 24,
      timeoutMs: 30_000,
    });
    expect(
      kubernetesSourceFromEnv({
        KUBERNETES_PROMETHEUS_URL: 'https://thanos.example.com/prom',
        KUBERNETES_PROMETHEUS_TOKEN: 'abc',
        KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '2160',
        KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: '5',
      }),
    ).toEqual({ url: 'https://thanos.example.com/prom', bearerToken: 'abc', lookbackHours: 2160, timeoutMs: 5_000 });
  });

  it('reads KUBERNETES_PROMETHEUS_CLUSTERS as a trimmed list without duplicates', () => {
    const url = 'http://prometheus:9090';
    expect(
      kubernetesSourceFromEnv({
        KUBERNETES_PROMETHEUS_URL: url,
        KUBERNETES_PROMETHEUS_CLUSTERS: ' prod , eks-b,prod ',
      }),
    ).toEqual({ url, lookbackHours: 24, timeoutMs: 30_000, clusters: ['prod', 'eks-b'] });
    expect(kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: url, KUBERNETES_PROMETHEUS_CLUSTERS: ' ' })).toEqual({
      url,
      lookbackHours: 24,
      timeoutMs: 30_000,
    });
  });

  it.each([
    ['an empty entry', 'prod,,staging'],
    ['a trailing comma', 'prod,'],
    ['only a comma', ','],
    ['a 257-character name', 'x'.repeat(257)],
    ['1001 clusters', Array.from({ length: 1001 }, (_, i) => `c${i}`).join(',')],
  ])('rejects KUBERNETES_PROMETHEUS_CLUSTERS with %s, without echoing it', (_name, clusters) => {
    expect(() =>
      kubernetesSourceFromEnv({ KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_CLUSTERS: clusters }),
    ).toThrow(
      new Error(
        'KUBERNETES_PROMETHEUS_CLUSTERS: must be 1-1000 comma-separated cluster label values, none empty, each 1-256 characters',
      ),
    );
  });

  it.each<[Record<string, string>, string]>([
    [{ KUBERNETES_PROMETHEUS_URL: 'prometheus:9090' }, 'KUBERNETES_PROMETHEUS_URL: must be an http(s) URL'],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '0' },
      'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: must be an integer 1-2160',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '2161' },
      'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: must be an integer 1-2160',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: '1.5' },
      'KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: must be an integer 1-2160',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://p', KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: 'abc' },
      'KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: must be an integer 1-600',
    ],
    [
      { KUBERNETES_PROMETHEUS_URL: 'http://u:p@p', KUBERNETES_PROMETHEUS_TOKEN: 't' },
      'KUBERNETES_PROMETHEUS_TOKEN: cannot be combined',
    ],
  ])('rejects %j with a message starting with the variable', (env, message) => {
    let thrown = '';
    try {
      kubernetesSourceFromEnv(env);
    } catch (error) {
      thrown = (error as Error).message;
    }
    expect(thrown.slice(0, message.length)).toBe(message);
  });
});
