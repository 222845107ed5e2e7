import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupConfigFromEnv } from '../../src/cleanup/plan/config.js';
import { postGrafanaAnnotation } from '../../src/cleanup/execute/grafana.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { configSecrets, envSecrets, isUrlEnvVar, redactUrl, urlCredentials } from '../../src/secrets.js';

describe('redactUrl', () => {
  it('masks the credentials, or drops them, and every query value', () => {
    expect(redactUrl('https://admin:hunter2@grafana.example/g?x=1')).toBe('https://***@grafana.example/g?x=redacted');
    expect(redactUrl('https://glpat-token@git.example/list.txt')).toBe('https://***@git.example/list.txt');
    expect(redactUrl('https://admin:hunter2@grafana.example/', 'drop')).toBe('https://grafana.example/');
    expect(redactUrl(new URL('http://prometheus:9090/api'))).toBe('http://prometheus:9090/api');
  });

  it('never echoes what does not parse', () => {
    expect(redactUrl('http://admin:hunter2@grafana example/')).toBe('(invalid URL)');
  });
});

describe('urlCredentials', () => {
  it('is the whole userinfo and the password, as written and decoded; a lone user name is the userinfo', () => {
    expect(urlCredentials('https://admin:p%2Fw%40x@grafana.example/')).toEqual(['admin:p%2Fw%40x', 'admin:p/w@x', 'p%2Fw%40x', 'p/w@x']);
    expect(urlCredentials('https://glpat-token@git.example/')).toEqual(['glpat-token', 'glpat-token']);
    expect(urlCredentials('https://grafana.example/')).toEqual([]);
    expect(urlCredentials('not a url')).toEqual([]);
    expect(urlCredentials(undefined)).toEqual([]);
  });
});

describe('envSecrets', () => {
  it('finds the token variables and the credentials of every URL variable, longest first', () => {
    const secrets = envSecrets({
      AWS_SECRET_ACCESS_KEY: 'aws-secret-key',
      AWS_SESSION_TOKEN: 'aws-session-token',
      KUBERNETES_PROMETHEUS_TOKEN: ' kube-token ',
      AWS_ENDPOINT_URL_ECR: 'http://u:ecr-pass@localhost:4566',
      AWS_ENDPOINT_URL: 'http://u:all-pass@localhost:4566',
      IN_USE_KEEP_LISTS: '/etc/keep.txt, https://ci:list-pass@ci.example/keep.txt',
      https_proxy: 'http://proxy-user:proxy-pass@proxy:3128',
      AWS_REGION: 'us-east-1',
    });
    for (const value of ['aws-secret-key', 'aws-session-token', 'kube-token', ' kube-token ', 'ecr-pass', 'all-pass', 'ci:list-pass', 'proxy-pass'])
      expect(secrets).toContain(value);
    expect(secrets).not.toContain('us-east-1');
    expect(secrets).not.toContain('proxy-user'); // beside a password, a user name is not a secret
    expect(secrets.map((s) => s.length)).toEqual(secrets.map((s) => s.length).sort((a, b) => b - a));
  });

  it('knows which variables hold URLs', () => {
    for (const name of ['GRAFANA_URL', 'KUBERNETES_PROMETHEUS_URL', 'IN_USE_KEEP_LISTS', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'HTTPS_PROXY', 'http_proxy'])
      expect(isUrlEnvVar(name)).toBe(true);
    expect(isUrlEnvVar('APP_HOST')).toBe(false);
  });
});

describe('configSecrets', () => {
  it('has every token and the credentials of every URL setting, from the environment and the YAML file', () => {
    const env = {
      AWS_REGION: 'us-east-1',
      METRICS_TOKEN: 'metrics-token-1',
      GRAFANA_URL: 'https://admin:grafana-pass@grafana.example/',
      GRAFANA_TOKEN: 'glsa_grafana_token',
      KUBERNETES_PROMETHEUS_URL: 'http://ops:prom-pass@prometheus:9090',
      IN_USE_KEEP_LISTS: 'https://ci:list-pass@ci.example/keep.txt',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-key',
    };
    const secrets = configSecrets(loadConfig(env), env);
    for (const value of ['metrics-token-1', 'grafana-pass', 'admin:grafana-pass', 'glsa_grafana_token', 'prom-pass', 'list-pass', 'aws-secret-key'])
      expect(secrets).toContain(value);

    const yaml = 'cleanup:\n  execution:\n    adminToken: yaml-admin-token-0123456789\n    grafana: { url: "https://u:yaml-pass@grafana.example", token: yaml-grafana-token }\n';
    const fromFile = configSecrets(loadConfig({ AWS_REGION: 'us-east-1', ECRLENS_CONFIG: 'c.yaml' }, { readFile: () => yaml }));
    expect(fromFile).toEqual(expect.arrayContaining(['yaml-admin-token-0123456789', 'yaml-grafana-token', 'yaml-pass']));
  });
});

describe('a bad URL setting', () => {
  it('fails startup naming the variable, without the value', () => {
    const load = (env: Record<string, string>) => {
      try {
        loadConfig({ AWS_REGION: 'us-east-1', GRAFANA_TOKEN: 't', ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    for (const url of ['http://admin:hunter2@grafana example/', 'ftp://admin:hunter2@grafana.example/']) {
      const message = load({ GRAFANA_URL: url });
      expect(message).toBe('GRAFANA_URL: must be an http(s) URL, e.g. https://grafana.example.com');
      expect(message).not.toContain('hunter2');
    }
    const yaml = 'cleanup:\n  execution:\n    grafana: { url: "http://admin:hunter2@grafana example", token: t }\n';
    const message = (() => {
      try {
        loadConfig({ AWS_REGION: 'us-east-1', ECRLENS_CONFIG: 'c.yaml' }, { readFile: () => yaml });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toBe('ECRLENS_CONFIG: cleanup.execution.grafana.url: must be an http(s) URL, e.g. https://grafana.example.com');
  });
});

/** A stand-in Grafana that records the path and Authorization of each request. */
async function recordingGrafana(answer = '{}'): Promise<{ seen: { url?: string; authorization?: string }[]; port: number; close: () => Promise<void> }> {
  const seen: { url?: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    req.resume().on('end', () => res.end(answer));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { seen, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('postGrafanaAnnotation', () => {
  const annotation = { time: 0, text: 'ECR Lens cleanup', tags: ['ecr-lens'] };

  it("keeps the annotation id Grafana answers, and reads no more than an id takes", async () => {
    const answers: [string, { ok: true; id?: number }][] = [
      ['{"message":"Annotation added","id":42}', { ok: true, id: 42 }],
      ['{"message":"Annotation added"}', { ok: true }],
      ['{"id":"42"}', { ok: true }],
      ['not json', { ok: true }],
      [`{"id":7,"pad":"${'x'.repeat(70_000)}"}`, { ok: true }],
    ];
    for (const [answer, expected] of answers) {
      const { port, close } = await recordingGrafana(answer);
      try {
        expect(await postGrafanaAnnotation({ url: `http://127.0.0.1:${port}/`, token: 'glsa_token' }, annotation), answer.slice(0, 40)).toEqual(expected);
      } finally {
        await close();
      }
    }
  });

  it('posts under the URL path with the token, never sending the URL credentials', async () => {
    const { seen, port, close } = await recordingGrafana();
    try {
      const posted = await postGrafanaAnnotation({ url: `http://admin:hunter2@127.0.0.1:${port}/grafana/`, token: 'glsa_token' }, annotation);
      expect(posted).toEqual({ ok: true });
      expect(seen).toEqual([{ url: '/grafana/api/annotations', authorization: 'Bearer glsa_token' }]);
    } finally {
      await close();
    }
  });

  it('without a token, authenticates with the URL credentials (basic), decoded, and not in the URL', async () => {
    const { seen, port, close } = await recordingGrafana();
    try {
      const posted = await postGrafanaAnnotation({ url: `http://admin:p%40ss%3Aw@127.0.0.1:${port}/` }, annotation);
      expect(posted).toEqual({ ok: true });
      expect(seen).toEqual([{ url: '/api/annotations', authorization: `Basic ${Buffer.from('admin:p@ss:w').toString('base64')}` }]);
    } finally {
      await close();
    }
  });

  it('needs a token or URL credentials, and says so naming GRAFANA_URL', () => {
    expect(() => cleanupConfigFromEnv({ GRAFANA_URL: 'http://grafana:3000' }, {})).toThrow(/^GRAFANA_URL needs GRAFANA_TOKEN, or a user and password in GRAFANA_URL$/);
    expect(cleanupConfigFromEnv({ GRAFANA_URL: 'http://admin:pw@grafana:3000' }, {}).execution.grafana).toEqual({ url: 'http://admin:pw@grafana:3000' });
    expect(cleanupConfigFromEnv({ GRAFANA_URL: 'http://grafana:3000', GRAFANA_TOKEN: 'glsa_x' }, {}).execution.grafana).toEqual({ url: 'http://grafana:3000', token: 'glsa_x' });
  });

  it('names the endpoint with its credentials masked when the post fails', async () => {
    const posted = await postGrafanaAnnotation({ url: 'http://admin:hunter2@127.0.0.1:9/grafana', token: 'glsa_token' }, annotation);
    expect(posted.ok).toBe(false);
    const error = posted.ok ? '' : posted.error;
    expect(error).toMatch(/^POST http:\/\/\*\*\*@127\.0\.0\.1:9\/grafana\/api\/annotations: fetch failed/);
    expect(error).not.toMatch(/hunter2|glsa_token/);
  });
});
