import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../src/http/content-coding.js';
import { createApp } from '../../src/http/app.js';
import { metricsRoute } from '../../src/http/metrics.js';
import { MetricsConfig, metricsConfigFromEnv } from '../../src/metrics/config.js';
import { negotiateFormat } from '../../src/metrics/renderer.js';
import { DEFAULT_PRICES } from '../../src/cost/pricing.js';
import { NOW, fakeInventory } from '../support/builders.js';
import { parseSamples, value } from './exposition.js';
import { metricsFixture } from './fixture.js';

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function app(env: Record<string, string> = {}, apiToken?: string) {
  const inventory = fakeInventory(metricsFixture());
  const config = MetricsConfig.parse(env);
  const server = createApp({
    inventory,
    query: { now: () => NOW, prices: DEFAULT_PRICES },
    ...(apiToken ? { apiToken } : {}),
    routes: [metricsRoute({ inventory, config })],
  });
  return { server, inventory };
}

describe('GET /metrics', () => {
  it('serves Prometheus text from the snapshot without asking for a refresh', async () => {
    const { server, inventory } = app();
    const res = await server.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parseSamples(await res.text());
    expect(value(samples, 'ecr_repositories_total')).toBe(5);
    expect(inventory.refreshCalls).toBe(0);
  });

  it('serves OpenMetrics to a scraper that asks for it', async () => {
    const { server } = app();
    const res = await server.request('/metrics', { headers: { Accept: PROMETHEUS_ACCEPT } });
    expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect((await res.text()).endsWith('# EOF\n')).toBe(true);
  });

  it('answers 401 without the right METRICS_TOKEN, and 200 with it', async () => {
    const { server } = app({ METRICS_TOKEN: 'metrics-secret-1' });
    const none = await server.request('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.json()).toEqual({
      error: 'unauthorized',
      message: 'missing or invalid bearer token for /metrics',
    });
    const wrong = await server.request('/metrics', { headers: { Authorization: 'Bearer metrics-secret-2' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('metrics-secret');
    const right = await server.request('/metrics', { headers: { Authorization: 'Bearer metrics-secret-1' } });
    expect(right.status).toBe(200);
  });

  it('is not covered by the API token: /metrics has its own', async () => {
    const { server } = app({}, 'api-token-123');
    expect((await server.request('/metrics')).status).toBe(200);
    expect((await server.request('/api/v1/status')).status).toBe(401);
  });

  it('sends one gzip member to a scraper that accepts gzip, as Prometheus does, holding the same exposition', async () => {
    const { server } = app();
    const plain = await server.request('/metrics', { headers: { Accept: PROMETHEUS_ACCEPT } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const text = await plain.text();
    const res = await server.request('/metrics', { headers: { Accept: PROMETHEUS_ACCEPT, 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept, Accept-Encoding');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(gunzipSync(body).toString()).toBe(text);
    expect(text).toContain('aws_ecr_image_size_in_bytes{');
    expect(text.endsWith('# EOF\n')).toBe(true);
    // Compressed once, not once more by the compress middleware.
    expect(body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(() => gunzipSync(gunzipSync(body))).toThrow();
  });

  it('sends the text as it is without gzip, and leaves other codings to the compress middleware', async () => {
    const { server } = app();
    const gzip = gunzipSync(Buffer.from(await (await server.request('/metrics', { headers: { 'Accept-Encoding': 'gzip' } })).arrayBuffer())).toString();
    const refused = await server.request('/metrics', { headers: { 'Accept-Encoding': 'gzip;q=0, identity' } });
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect(await refused.text()).toBe(gzip);
    const deflate = await server.request('/metrics', { headers: { 'Accept-Encoding': 'deflate' } });
    expect(deflate.headers.get('content-encoding')).toBe('deflate');
    expect(inflateSync(Buffer.from(await deflate.arrayBuffer())).toString()).toBe(gzip);
  });

  it('is documented in the OpenAPI document', async () => {
    const { server } = app();
    const doc = (await (await server.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/metrics');
  });
});

describe('content negotiation', () => {
  it('sends gzip when Accept-Encoding allows it by name or by *, never at a weight of 0', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('GZIP')).toBe(true);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('br, gzip;q=0.5, deflate')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
    expect(acceptsGzip('gzip;q=0.1, *;q=0')).toBe(true);
    expect(acceptsGzip('deflate, identity')).toBe(false);
  });

  it('picks OpenMetrics only when asked for at least as strongly as text', () => {
    expect(negotiateFormat(undefined)).toBe('prometheus');
    expect(negotiateFormat('*/*')).toBe('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4')).toBe('prometheus');
    expect(negotiateFormat(PROMETHEUS_ACCEPT)).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text; version=1.0.0')).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;q=0.2,text/plain;q=0.9')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0')).toBe('prometheus');
  });
});

describe('metricsConfigFromEnv', () => {
  it('has documented defaults', () => {
    expect(metricsConfigFromEnv({})).toEqual({
      METRICS_IMAGE_SERIES: true,
      METRICS_IMAGE_SERIES_CAP: 50_000,
      METRICS_COMPAT_GO: true,
      METRICS_IMAGES_PER_REPOSITORY_QUOTA: 100_000,
    });
  });

  it('reads the settings', () => {
    expect(
      metricsConfigFromEnv({
        METRICS_TOKEN: 'long-enough',
        METRICS_IMAGE_SERIES: 'false',
        METRICS_IMAGE_SERIES_CAP: '10',
        METRICS_COMPAT_GO: '0',
        METRICS_IMAGES_PER_REPOSITORY_QUOTA: '20000',
        UNRELATED: 'x',
      }),
    ).toEqual({
      METRICS_TOKEN: 'long-enough',
      METRICS_IMAGE_SERIES: false,
      METRICS_IMAGE_SERIES_CAP: 10,
      METRICS_COMPAT_GO: false,
      METRICS_IMAGES_PER_REPOSITORY_QUOTA: 20_000,
    });
  });

  it.each([
    ['METRICS_IMAGE_SERIES_CAP', 'lots'],
    ['METRICS_IMAGE_SERIES_CAP', '-1'],
    ['METRICS_IMAGE_SERIES', 'maybe'],
    ['METRICS_COMPAT_GO', 'off'],
    ['METRICS_IMAGES_PER_REPOSITORY_QUOTA', '0'],
    ['METRICS_TOKEN', 'short'],
  ])('names %s when its value %j is bad', (name, bad) => {
    expect(() => metricsConfigFromEnv({ [name]: bad })).toThrow(new RegExp(`^Invalid environment variable ${name}:`));
  });
});
