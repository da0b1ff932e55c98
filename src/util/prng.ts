/**
 * Seeded pseudo-random numbers (sfc32, seeded through splitmix32). Every random choice of a run
 * comes from a stream derived from the run's seed and a label, so the same seed gives the same
 * conversations and schedule whatever the timing, and streams don't shift when one draws more.
 */
import type { Distribution } from './units.js';

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for `seed` and a label ("conversation:17", "routing"). */
  constructor(seed: number, label = '') {
    const mix = splitmix32((seed ^ hashLabel(label)) >>> 0);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Real number in [min, max]. */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Standard normal (Box–Muller). */
  gaussian(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A draw in ms from a scenario distribution, never negative. */
  draw(d: Distribution): number {
    switch (d.kind) {
      case 'constant':
        return d.valueMs;
      case 'uniform':
        return this.between(d.minMs, d.maxMs);
      case 'normal':
        return Math.max(0, d.meanMs + d.sdMs * this.gaussian());
      case 'lognormal': {
        // Parameters of the underlying normal so the lognormal itself has this mean and sd.
        const sigma2 = Math.log(1 + (d.sdMs * d.sdMs) / (d.meanMs * d.meanMs));
        return Math.exp(Math.log(d.meanMs) - sigma2 / 2 + Math.sqrt(sigma2) * this.gaussian());
      }
      case 'exponential':
        return -d.meanMs * Math.log(1 - this.next());
    }
  }
}

/** A random 31-bit seed for runs that name none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
