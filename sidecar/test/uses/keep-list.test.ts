/**
 * Keep lists from files (temp dirs) and URLs (a node:http server on loopback): parsing, credentials kept
 * out of names, and every way a list can fail to be read whole becoming an Incomplete entry.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageUse } from '../../src/snapshot/model.js';
import { createKeepListSource, keepListSourceFromEnv, parseKeepList } from '../../src/uses/keep-list.js';
import { ACCOUNT, makeImage, makeRepository, makeSnapshot, digest } from '../support/builders.js';

const WEB = '111111111111.dkr.ecr.us-east-1.amazonaws.com/web';
const API = '111111111111.dkr.ecr.us-east-1.amazonaws.com/api';
const JOB = '222222222222.dkr.ecr.eu-west-1.amazonaws.com/batch/job';
const PINNED = digest('job-v3');

const LIST = [
  '# Batch and EC2 hosts',
  `${WEB}:v1`,
  '',
  `   ${API}   # no tag written: latest`,
  `${JOB}@${PINNED}\r`,
  'nginx:1.25',
  'docker.io/library/redis',
  `${WEB} v2`,
  `${WEB}:v1`,
  '',
].join('\n');

let dir: string;
let server: Server;
let base: string;
let authorization: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecrlens-keep-list-'));
  server = createServer((req, res) => {
    switch (req.url) {
      case '/list.txt?token=abc':
        authorization = req.headers.authorization;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${WEB}:v1\n`);
        return;
      case '/big-declared':
        res.writeHead(200, { 'content-length': '1000' }).end('x'.repeat(1000));
        return;
      case '/big-chunked':
        // No content-length: only the streamed size can tell.
        res.writeHead(200);
        res.write(`${WEB}:v1\n`.repeat(4));
        res.end(`${WEB}:v1\n`.repeat(4));
        return;
      case '/never':
        return; // never answers
      case '/stalls':
        res.writeHead(200);
        res.write(`${WEB}:v1\n`); // headers and a first line, then nothing
        return;
      default:
        res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const file = async (name: string, text: string | Buffer): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

describe('parseKeepList', () => {
  it('reads references, skips comments and blanks, trims, deduplicates and reports non-ECR lines', () => {
    const parsed = parseKeepList(LIST, '/etc/keep.txt');
    expect(parsed.uses).toEqual<ImageUse[]>([
      { kind: 'keep-list', accountId: ACCOUNT, region: 'us-east-1', list: '/etc/keep.txt', reference: `${WEB}:v1` },
      { kind: 'keep-list', accountId: ACCOUNT, region: 'us-east-1', list: '/etc/keep.txt', reference: API },
      {
        kind: 'keep-list',
        accountId: '222222222222',
        region: 'eu-west-1',
        list: '/etc/keep.txt',
        reference: `${JOB}@${PINNED}`,
        digest: PINNED,
      },
    ]);
    expect(parsed.notices).toEqual([
      '/etc/keep.txt line 6 ignored: not an ECR image reference: nginx:1.25',
      '/etc/keep.txt line 7 ignored: not an ECR image reference: docker.io/library/redis',
      `/etc/keep.txt line 8 ignored: not an ECR image reference: ${WEB} v2`,
    ]);
  });

  it('protects the image tagged latest for a reference without tag, and a pinned digest', () => {
    const api = makeRepository({ name: 'api' });
    const job = makeRepository({ name: 'batch/job', accountId: '222222222222', region: 'eu-west-1' });
    const latest = makeImage({ repository: api, tags: ['latest'] });
    const other = makeImage({ repository: api, tags: ['v9'] });
    const pinned = makeImage({ repository: job, seed: 'job-v3', tags: [] });
    const snapshot = makeSnapshot({
      repositories: [api, job],
      images: [latest, other, pinned],
      uses: [...parseKeepList(LIST, 'keep.txt').uses],
    });
    expect(snapshot.usesByImage.get(`${api.id}@${latest.digest}`)?.map((u) => u.reference)).toEqual([API]);
    expect(snapshot.usesByImage.get(`${api.id}@${other.digest}`)).toBeUndefined();
    expect(snapshot.usesByImage.get(`${job.id}@${PINNED}`)?.map((u) => u.reference)).toEqual([`${JOB}@${PINNED}`]);
  });

  it('caps the notices per list and the line count', () => {
    const text = Array.from({ length: 25 }, (_, i) => `local/image:${i}`).join('\n');
    const { notices } = parseKeepList(text, 'l');
    expect(notices).toHaveLength(22);
    expect(notices[20]).toBe('l: 5 more lines ignored');
    // Not one ECR image: possibly the wrong list, which is said rather than read as "nothing runs".
    expect(notices[21]).toBe('l names no ECR image: check that it is the list you meant');
    expect(parseKeepList('# nothing yet\n', 'empty').notices).toEqual(['empty names no ECR image: check that it is the list you meant']);
    expect(() => parseKeepList('\n'.repeat(10), 'l', 10)).not.toThrow();
    expect(() => parseKeepList('\n'.repeat(11), 'l', 10)).toThrow('more than 10 lines');
  });
});

describe('createKeepListSource', () => {
  it('reads files and URLs in parallel, with Basic auth from the URL and no credentials in names', async () => {
    const path = await file('keep.txt', LIST);
    const url = `http://ci:s3cret@${base.slice('http://'.length)}/list.txt?token=abc`;
    const source = createKeepListSource([path, url], { timeoutMs: 5_000 });
    const shown = `${base}/list.txt?token=redacted`;
    expect(source.source).toBe('keep-list');
    expect(source.description).toBe(`keep lists: ${path}, ${shown}`);
    const read = await source.read(0);
    expect(authorization).toBe(`Basic ${Buffer.from('ci:s3cret').toString('base64')}`);
    expect(read.incomplete).toEqual([]);
    expect(read.uses.map((u) => [u.list, u.reference, u.digest])).toEqual([
      [path, `${WEB}:v1`, undefined],
      [path, API, undefined],
      [path, `${JOB}@${PINNED}`, PINNED],
      [shown, `${WEB}:v1`, undefined],
    ]);
    expect(read.notices).toHaveLength(3);
    expect(JSON.stringify(read)).not.toContain('s3cret');
  });

  it('turns a missing file, a 404 and oversized lists into Incomplete entries, keeping the readable lists', async () => {
    const good = await file('good.txt', `${WEB}:v1\n`);
    const big = await file('big.txt', `${WEB}:v1\n`.repeat(3));
    const missing = join(dir, 'missing.txt');
    const lists = [good, missing, big, `${base}/gone`, `${base}/big-declared`, `${base}/big-chunked`];
    const read = await createKeepListSource(lists, { timeoutMs: 5_000, maxBytes: 128 }).read(0);
    expect(read.uses.map((u) => u.list)).toEqual([good]);
    expect(read.incomplete.map((i) => [i.scope, i.accountId, i.region, i.target, i.operation, i.error])).toEqual([
      ['keep-list', '', '', missing, 'read', `ENOENT: no such file or directory, open '${missing}'`],
      ['keep-list', '', '', big, 'read', 'larger than the 128-byte cap'],
      ['keep-list', '', '', `${base}/gone`, 'GET', 'HTTP 404'],
      ['keep-list', '', '', `${base}/big-declared`, 'GET', 'larger than the 128-byte cap'],
      ['keep-list', '', '', `${base}/big-chunked`, 'GET', 'larger than the 128-byte cap'],
    ]);
  });

  it('times out a server that never answers and one that stops mid-body', async () => {
    const read = await createKeepListSource([`${base}/never`, `${base}/stalls`], { timeoutMs: 200 }).read(0);
    expect(read.uses).toEqual([]);
    expect(read.incomplete.map((i) => [i.target, i.error])).toEqual([
      [`${base}/never`, 'timed out after 200 ms'],
      [`${base}/stalls`, 'timed out after 200 ms'],
    ]);
  });

  it('rejects a list with too many lines or that is not UTF-8 text', async () => {
    const long = await file('long.txt', `${WEB}:v1\n`.repeat(5));
    const binary = await file('binary.bin', Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
    const read = await createKeepListSource([long, binary], { timeoutMs: 5_000, maxLines: 4 }).read(0);
    expect(read.incomplete.map((i) => [i.target, i.error])).toEqual([
      [long, 'more than 4 lines'],
      [binary, 'not UTF-8 text'],
    ]);
  });
});

describe('keepListSourceFromEnv', () => {
  it('is disabled when unset or empty', () => {
    expect(keepListSourceFromEnv({})).toBeUndefined();
    expect(keepListSourceFromEnv({ IN_USE_KEEP_LISTS: ' ' })).toBeUndefined();
    expect(keepListSourceFromEnv({ IN_USE_KEEP_LISTS: ' , ' })).toBeUndefined();
  });

  it('splits paths and URLs, with a default timeout of 30 s', () => {
    expect(keepListSourceFromEnv({ IN_USE_KEEP_LISTS: '/etc/keep.txt, https://lists.example.com/keep.txt' })).toEqual({
      lists: ['/etc/keep.txt', 'https://lists.example.com/keep.txt'],
      timeoutMs: 30_000,
    });
    expect(
      keepListSourceFromEnv({ IN_USE_KEEP_LISTS: 'keep.txt', IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: '5' })?.timeoutMs,
    ).toBe(5_000);
  });

  it('names the variable in errors', () => {
    expect(() => keepListSourceFromEnv({ IN_USE_KEEP_LISTS: 's3://bucket/keep.txt' })).toThrow(/^IN_USE_KEEP_LISTS: /);
    expect(() => keepListSourceFromEnv({ IN_USE_KEEP_LISTS: 'a', IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: '0' })).toThrow(
      'IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: must be an integer 1-600',
    );
    expect(() => keepListSourceFromEnv({ IN_USE_KEEP_LISTS: 'a', IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: 'soon' })).toThrow(
      /^IN_USE_KEEP_LISTS_TIMEOUT_SECONDS: /,
    );
  });
});
