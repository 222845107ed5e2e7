/** A small seeded PRNG (mulberry32) so that the synthetic generator is deterministic. */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** 64 lowercase hex characters. */
  hex64(): string;
  /** A random `sha256:<64 hex>` digest, as one flat string (no concatenation chains kept in memory). */
  digest(): string;
  /** Pareto-distributed weight (alpha > 1), at least 1. */
  pareto(alpha: number): number;
}

const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const u32 = (): number => Math.floor(next() * 4294967296) >>> 0;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    hex64: () => {
      let s = '';
      for (let i = 0; i < 8; i++) {
        const v = u32();
        s += HEX[v >>> 24]! + HEX[(v >>> 16) & 255]! + HEX[(v >>> 8) & 255]! + HEX[v & 255]!;
      }
      return s;
    },
    digest: () => {
      const buf = Buffer.allocUnsafe(71);
      buf.write('sha256:', 0, 'latin1');
      for (let i = 0; i < 8; i++) {
        const v = u32();
        for (let b = 0; b < 8; b++) buf[7 + i * 8 + b] = HEX_CODES[(v >>> (28 - b * 4)) & 15]!;
      }
      return buf.toString('latin1');
    },
    pareto: (alpha) => Math.pow(1 - next(), -1 / alpha),
  };
}
