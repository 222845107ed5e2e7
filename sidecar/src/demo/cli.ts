/**
 * `npm run emulator -- --fixture FILE | --synthetic key=value,... [--port N] [--host H] [--rate-limits on|off]
 * [--write-fixture FILE]`: starts the emulator alone and prints the environment to point AWS clients at it.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { emulatorEnv } from './env.js';
import { loadFixture } from './fixture.js';
import type { Fixture } from './fixture.js';
import { DEMO_PARAMS, generateFixture, parseSyntheticParams } from './generate.js';
import { startEmulator } from './server.js';

export interface CliOptions {
  readonly fixture: () => Fixture;
  readonly source: string;
  readonly port: number;
  readonly host: string;
  readonly rateLimits: boolean;
  readonly writeFixture?: string;
}

/** Parses and validates the CLI arguments; errors name the option. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        fixture: { type: 'string' },
        synthetic: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'rate-limits': { type: 'string' },
        'write-fixture': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) throw new Error(USAGE);
  if (values.fixture !== undefined && values.synthetic !== undefined)
    throw new Error('--fixture and --synthetic cannot be used together');
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be an integer 0..65535, got '${values.port}'`);
  const rateLimits = values['rate-limits'] ?? 'on';
  if (rateLimits !== 'on' && rateLimits !== 'off')
    throw new Error(`--rate-limits must be 'on' or 'off', got '${rateLimits}'`);
  let fixture: () => Fixture;
  let source: string;
  if (values.fixture !== undefined) {
    const file = values.fixture;
    fixture = () => loadFixture(file);
    source = `fixture ${file}`;
  } else {
    let params;
    try {
      params = parseSyntheticParams(values.synthetic ?? '');
    } catch (error) {
      throw new Error(`--synthetic: ${(error as Error).message}`);
    }
    fixture = () => generateFixture(params);
    source = `synthetic ${JSON.stringify({ ...DEMO_PARAMS, ...params })}`;
  }
  return {
    fixture,
    source,
    port,
    host: values.host ?? '127.0.0.1',
    rateLimits: rateLimits === 'on',
    ...(values['write-fixture'] !== undefined ? { writeFixture: values['write-fixture'] } : {}),
  };
}

const USAGE = `usage: npm run emulator -- [--fixture FILE | --synthetic key=value,...] [--port N (default 4566, 0 = any)]
       [--host 127.0.0.1] [--rate-limits on|off (default on)] [--write-fixture FILE]`;

async function main(): Promise<void> {
  let options: CliOptions;
  let fixture: Fixture;
  try {
    options = parseCliArgs(process.argv.slice(2));
    fixture = options.fixture();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  if (options.writeFixture) writeFileSync(options.writeFixture, JSON.stringify(fixture, null, 1));
  const emulator = await startEmulator({
    fixture,
    port: options.port,
    host: options.host,
    controls: { rateLimitsEnabled: options.rateLimits },
  });
  const summary = emulator.store.summary();
  console.log(`AWS emulator (ECR, ECS, Lambda, STS, SQS) listening on ${emulator.url}`);
  console.log(`data: ${options.source}`);
  for (const r of summary)
    console.log(
      `  ${r.accountId} ${r.region}: ${r.repositories} repositories, ${r.images} images, ${r.clusters} clusters`,
    );
  console.log(`admin: ${emulator.url}/_emulator/controls, ${emulator.url}/_emulator/calls`);
  console.log(`events: ${emulator.eventsQueueUrl} (SQS; set ECRLENS_EVENTS_QUEUE_URL to it)`);
  console.log('export:');
  for (const [k, v] of Object.entries(emulatorEnv(emulator.url, emulator.store.defaultRegion)))
    console.log(`  export ${k}=${v}`);
  const stop = (): void => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
