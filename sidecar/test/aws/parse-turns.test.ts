/**
 * AWS responses are parsed a few per turn of the event loop (aws/parse-turns.ts): the turns themselves (arrival-turns.ts) with an
 * injected clock, then every client of the registry through the real SDK and the emulator, answers, errors and
 * retried attempts alike.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { ArrivalTurns, type Done } from '../../src/arrival-turns.js';
import { paceParsing, type PacedStack } from '../../src/aws/parse-turns.js';
import { isThrottlingError } from '../../src/aws/stats.js';
import { nextTurn } from '../../src/cooperative.js';
import type { Harness } from '../refresh/helpers.js';
import { startHarness } from '../refresh/helpers.js';

/** Resolves once every pending promise reaction has run (a tick queued from one runs after the microtasks drain). */
const settled = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

/** Resolves when the turns are next entered (the call's body has been read and waits for its turn). */
function nextEntry(turns: ArrivalTurns): Promise<void> {
  const enter = turns.enter.bind(turns);
  return new Promise((resolve) => {
    turns.enter = () => {
      turns.enter = enter;
      const entered = enter();
      resolve();
      return entered;
    };
  });
}

describe('turns of parsing', () => {
  it('lets a response through at once when none is being parsed, and the next when it is parsed, within the turn', async () => {
    let clock = 0;
    const turns = new ArrivalTurns(8, () => clock);
    const first = await turns.enter();
    let second: Done | undefined;
    const entered = turns.enter().then((parsed) => (second = parsed));
    await settled();
    expect(second).toBeUndefined();
    expect(turns.waiting).toBe(1);
    let third: Done | undefined;
    void turns.enter().then((parsed) => (third = parsed));
    clock = 5; // still within the turn
    first();
    first(); // a second call lets nothing more through: the third waits for the second
    await entered;
    await settled();
    expect(third).toBeUndefined();
    expect(turns.waiting).toBe(1);
    second!();
    await settled();
    expect(third).toBeDefined();
    expect(turns.waiting).toBe(0);
    third!();
  });

  it('makes the rest wait for the next turn of the event loop once a turn has lasted its time', async () => {
    let clock = 0;
    const turns = new ArrivalTurns(8, () => clock);
    const order: string[] = [];
    const parse = (name: string) =>
      turns.enter().then((parsed) => {
        order.push(name);
        clock += 5; // each parse takes 5 ms
        parsed();
      });
    const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map(parse));
    // Within the first turn: a (0-5) and b (5-10); at 10 the turn has lasted 8 ms or more, so c waits.
    await settled();
    expect(order).toEqual(['a', 'b']);
    expect(turns.waiting).toBe(3);
    // Not in the check phase of the same iteration: begun in a poll callback, the next turn would then follow at once.
    await nextTurn();
    expect(order).toEqual(['a', 'b']);
    await nextTurn();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    await all;
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(turns.waiting).toBe(0);
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the clients' responses", () => {
  it('wait for their turn before they are parsed, and each is its own call', async () => {
    const turns = new ArrivalTurns();
    h = await startHarness({ parseTurns: turns });
    const account = h.config.accounts.find((a) => a.accountId === '111111111111')!;
    const ecr = h.clients.ecr(account, 'us-east-1');
    const alone = await ecr.send(new DescribeImagesCommand({ repositoryName: 'platform/api' }));
    expect(alone.imageDetails!.length).toBeGreaterThan(1);

    // A parse in progress (held here) keeps the call's response waiting, read but not parsed.
    const held = await turns.enter();
    const entered = nextEntry(turns);
    let answered = false;
    const call = ecr.send(new DescribeImagesCommand({ repositoryName: 'platform/api' })).then((answer) => {
      answered = true;
      return answer;
    });
    await entered;
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(answered).toBe(false);
    expect(turns.waiting).toBe(1);
    held();
    expect((await call).imageDetails).toEqual(alone.imageDetails);

    // Calls of every kind at once, an error among them: each answered as alone, and nothing left waiting.
    const [images, repositories, missing, clusters] = await Promise.allSettled([
      ecr.send(new DescribeImagesCommand({ repositoryName: 'platform/api' })),
      ecr.send(new DescribeRepositoriesCommand({})),
      ecr.send(new DescribeImagesCommand({ repositoryName: 'no/such-repository' })),
      h.clients.ecs(account, 'us-east-1').send(new ListClustersCommand({})),
    ]);
    expect(images.status === 'fulfilled' && images.value.imageDetails).toEqual(alone.imageDetails);
    expect(repositories.status === 'fulfilled' && repositories.value.repositories!.map((r) => r.repositoryName)).toContain('platform/api');
    expect(missing.status === 'rejected' && (missing.reason as Error).name).toBe('RepositoryNotFoundException');
    expect(clusters.status === 'fulfilled' && clusters.value.clusterArns!.length).toBeGreaterThan(0);
    expect(turns.waiting).toBe(0);
  });

  it('let each retried attempt go in turn: throttled calls all answered, the turns given back', async () => {
    const turns = new ArrivalTurns(0); // one response a turn
    h = await startHarness({ parseTurns: turns, controls: { faults: { 'ecr:DescribeImages': { throttleProbability: 0.4 } }, seed: 5 }, maxAttempts: 10 });
    const account = h.config.accounts.find((a) => a.accountId === '111111111111')!;
    const ecr = h.clients.ecr(account, 'us-east-1');
    const answers = await Promise.all(Array.from({ length: 12 }, () => ecr.send(new DescribeImagesCommand({ repositoryName: 'web/frontend' }))));
    const digests = answers.map((a) => a.imageDetails!.map((d) => d.imageDigest).sort());
    for (const d of digests) expect(d).toEqual(digests[0]);
    expect(digests[0]!.length).toBeGreaterThan(0);
    const stat = h.stats.snapshot().find((s) => s.service === 'ecr' && s.operation === 'DescribeImages')!;
    expect(stat.throttles).toBeGreaterThan(0);
    expect(stat.calls).toBe(12 + stat.throttles);
    expect(turns.waiting).toBe(0);
    // The turns are free: another call goes through.
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).resolves.toHaveProperty('repositories');
  });
});

describe('what is not gathered', () => {
  type Handler = (args: object) => Promise<{ response?: unknown }>;
  /** The two middlewares as paceParsing adds them, composed around `handler` as the SDK's stack composes them. */
  function paced(turns: ArrivalTurns, handler: Handler): Handler {
    const added: Record<string, (next: Handler) => Handler> = {};
    const stack = { add: (middleware: never, options: { name: string }) => void (added[options.name] = middleware) };
    paceParsing(stack as PacedStack, turns);
    return added.ecrLensParseTurnsRelease!(added.ecrLensParseTurnsWait!(handler));
  }

  it('leaves an event stream, an absent body and bytes as they are, and takes no turn for them', async () => {
    const turns = new ArrivalTurns();
    const held = await turns.enter(); // any turn taken would wait behind this one
    const stream = Readable.from(['event']);
    const answers = [
      { statusCode: 200, headers: { 'content-type': 'application/vnd.amazon.eventstream' }, body: stream },
      { statusCode: 200, headers: {}, body: null },
      { statusCode: 200, headers: {} },
      { statusCode: 200, headers: {}, body: Uint8Array.of(1, 2) },
    ];
    for (const response of answers) {
      const output = await paced(turns, async () => ({ response }))({});
      expect(output.response).toBe(response);
    }
    expect(answers[0]!.body).toBe(stream);
    expect(turns.waiting).toBe(0);
    held();
  });

  it('hands a body cut off mid-read to the deserializer as it failed: the error keeps its status and request id', async () => {
    // A 429 whose body stops before its length: the socket is closed once the first bytes are written.
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(429, { 'content-type': 'application/x-amz-json-1.1', 'content-length': '200', 'x-amzn-requestid': 'req-1' });
        response.write('{"__type":"ThrottlingException","message":"sl', () => response.socket!.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = () => new ECRClient({ region: 'us-east-1', endpoint, maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const plain = client();
    const withTurns = client();
    const turns = new ArrivalTurns();
    paceParsing(withTurns.middlewareStack, turns);
    const failure = (c: ECRClient) => c.send(new DescribeImagesCommand({ repositoryName: 'x' })).then(() => undefined, (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number; requestId?: string }; $response?: unknown });
    try {
      const before = await failure(plain);
      const after = await failure(withTurns);
      expect(before?.$metadata?.httpStatusCode).toBe(429);
      expect(after?.name).toBe(before?.name);
      expect(after?.$metadata).toMatchObject({ httpStatusCode: 429, requestId: 'req-1' });
      expect(after?.$response).toBeDefined();
      expect(isThrottlingError(after)).toBe(true);
      expect(turns.waiting).toBe(0);
    } finally {
      plain.destroy();
      withTurns.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
