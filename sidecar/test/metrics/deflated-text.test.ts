import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deflateText, gzipMember, NO_TEXT, plainText, type DeflatedText } from '../../src/metrics/deflated-text.js';
import { collectGarbage } from '../support/collect.js';
import { keptText } from '../support/deflated.js';

async function* chunksOf(texts: readonly string[]): AsyncGenerator<Uint8Array> {
  for (const text of texts) yield Buffer.from(text);
}

async function inflated(kept: DeflatedText, more = ''): Promise<string> {
  const out: Uint8Array[] = [];
  for await (const chunk of plainText(kept, Buffer.from(more))) out.push(chunk);
  return Buffer.concat(out).toString();
}

describe('text kept deflated', () => {
  it('gives back the text, and one gzip member with more text after it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme' })), fc.string({ unit: 'grapheme' }), async (texts, more) => {
        const kept = await deflateText(chunksOf(texts));
        const whole = texts.join('');
        expect(kept.length).toBe(Buffer.byteLength(whole));
        expect(keptText(kept)).toBe(whole);
        expect(await inflated(kept)).toBe(whole);
        expect(await inflated(kept, more)).toBe(whole + more);
        const member = Buffer.concat(await gzipMember(kept, Buffer.from(more)));
        expect(gunzipSync(member).toString()).toBe(whole + more);
      }),
      { numRuns: 150 },
    );
  });

  it('holds megabytes in many blocks, and the member still reads whole (its CRC-32 and length checked by zlib)', async () => {
    // Hex of random bytes: compressible to about half, so the kept blocks are many.
    const texts = Array.from({ length: 12 }, () => randomBytes(256 * 1024).toString('hex'));
    const kept = await deflateText(chunksOf(texts));
    expect(kept.blocks.length).toBeGreaterThan(10);
    const whole = texts.join('');
    expect(await inflated(kept)).toBe(whole);
    const member = Buffer.concat(await gzipMember(kept, Buffer.from('live 1\n')));
    expect(gunzipSync(member).toString()).toBe(`${whole}live 1\n`);
    // A flipped byte in the kept text is caught by the trailer's CRC-32, not sent as other text.
    const broken = Buffer.from(member);
    broken[broken.length - 8] = (broken[broken.length - 8]! + 1) % 256;
    expect(() => gunzipSync(broken)).toThrow(/incorrect data check/);
  });

  // A heap snapshot of the refresh benchmark showed the last compressor's handle holding its pipeline's closures, and
  // through them the /metrics registry it was made from; that did not happen in isolation, so this guards only that
  // deflateText itself keeps nothing of its source.
  it('lets go of what it read once compressed (the /metrics registry of a whole snapshot)', async () => {
    let source: { readonly lines: string[] } | undefined = { lines: ['a 1\n', 'b 2\n'] };
    const held = new WeakRef(source);
    async function* chunksFrom(from: { readonly lines: string[] }): AsyncGenerator<Uint8Array> {
      for (const line of from.lines) yield Buffer.from(line);
    }
    const kept = await deflateText(chunksFrom(source));
    source = undefined;
    await collectGarbage();
    expect(held.deref()).toBeUndefined();
    expect(keptText(kept)).toBe('a 1\nb 2\n');
  });

  it('makes a member of the live text alone before the first snapshot', async () => {
    expect(gunzipSync(Buffer.concat(await gzipMember(NO_TEXT, Buffer.from('ecrlens_inventory_ready 0\n')))).toString()).toBe('ecrlens_inventory_ready 0\n');
    expect(gunzipSync(Buffer.concat(await gzipMember(NO_TEXT, new Uint8Array()))).toString()).toBe('');
    expect(await inflated(NO_TEXT)).toBe('');
    expect(await inflated(NO_TEXT, 'ecrlens_inventory_ready 0\n')).toBe('ecrlens_inventory_ready 0\n');
  });
});
