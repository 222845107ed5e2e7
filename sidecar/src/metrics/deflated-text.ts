/**
 * Text kept compressed, and sent as one gzip member with text appended. At a million images the /metrics snapshot
 * part is about 33 MB of text: kept as it is (twice while a new snapshot is made), and compressed again on every
 * scrape that asks for gzip (Prometheus always does: about 0.3 s of CPU each). Compressed once, it is about 3 MB.
 *
 * A gzip member (RFC 1952) is a header, deflate blocks (RFC 1951), and a trailer with the CRC-32 and length of all
 * the text. The kept text is deflate blocks ended by a sync flush (byte-aligned, none final), with its CRC-32 and
 * length; a scrape adds its live text as a deflate stream of its own, whose last block is final, then the trailer.
 * Deflate blocks may follow other blocks: the live text's back-references reach only into its own bytes.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createDeflateRaw, createInflateRaw, crc32, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';

const deflateRawAsync = promisify(deflateRaw);

/** Text as deflate blocks, none final, with the CRC-32 and byte length of the text they hold. */
export interface DeflatedText {
  readonly blocks: readonly Uint8Array[];
  readonly crc: number;
  readonly length: number;
}

export const NO_TEXT: DeflatedText = { blocks: [], crc: 0, length: 0 };

/**
 * Compresses the chunks as they come (zlib works off the event loop), ending with a sync flush: no block is final,
 * so more may follow.
 */
export async function deflateText(source: AsyncIterable<Uint8Array>): Promise<DeflatedText> {
  let crc = 0;
  let length = 0;
  const blocks: Uint8Array[] = [];
  // Let go once read: the finished compressor's handle keeps this function's closures, and through them the source
  // (the /metrics registry of a whole snapshot, a hundred thousand objects at 100,000 images) until it is collected.
  let chunks: AsyncIterable<Uint8Array> | undefined = source;
  await pipeline(
    async function* measured() {
      for await (const chunk of chunks!) {
        crc = crcAfter(crc, chunk);
        length += chunk.byteLength;
        yield chunk;
      }
      chunks = undefined;
    },
    createDeflateRaw({ finishFlush: constants.Z_SYNC_FLUSH }),
    async (deflated: AsyncIterable<Buffer>) => {
      for await (const block of deflated) blocks.push(block);
    },
  );
  return { blocks, crc, length };
}

/**
 * The CRC-32 of text after `crc`'s. Node 20's crc32 answers 0 for an empty buffer once zlib has compressed it, not
 * the CRC-32 it was given.
 */
function crcAfter(crc: number, bytes: Uint8Array): number {
  return bytes.byteLength === 0 ? crc : crc32(bytes, crc);
}

// ID1 ID2, deflate, no flags, no modification time, no extra flags, OS unknown.
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);

/** One gzip member holding the kept text, then `more`. */
export async function gzipMember(kept: DeflatedText, more: Uint8Array): Promise<readonly Uint8Array[]> {
  const crc = crcAfter(kept.crc, more);
  const last = await deflateRawAsync(more);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc, 0);
  // ISIZE is the length modulo 2^32.
  trailer.writeUInt32LE((kept.length + more.byteLength) % 2 ** 32, 4);
  return [GZIP_HEADER, ...kept.blocks, last, trailer];
}

/** The kept text, decompressed as it is read (zlib works off the event loop), then `more`: what gzipMember holds. */
export async function* plainText(kept: DeflatedText, more: Uint8Array): AsyncGenerator<Uint8Array> {
  if (kept.blocks.length > 0) {
    // The blocks end without a final one: a sync flush ends the stream rather than "unexpected end of file".
    const inflate = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH });
    Readable.from(kept.blocks).pipe(inflate);
    for await (const chunk of inflate as AsyncIterable<Buffer>) yield chunk;
  }
  yield more;
}
