import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { naturalText } from '../../../src/text/generate.js';
import { EN_WORDS } from '../../../src/text/vocab-en.js';
import { ZH_WORDS } from '../../../src/text/vocab-zh.js';
import { Prng } from '../../../src/util/prng.js';

const text = (language: 'en' | 'zh', bytes: number, seed = 1, label = 't') =>
  naturalText(language, new Prng(seed, label), bytes);
const gzipRatio = (s: string) => Buffer.byteLength(s) / gzipSync(s).length;
const brotliRatio = (s: string) =>
  Buffer.byteLength(s) / brotliCompressSync(s, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }).length;

describe('naturalText', () => {
  it('is exactly the number of UTF-8 bytes asked for, in both languages', () => {
    for (const language of ['en', 'zh'] as const) {
      for (const bytes of [0, 1, 2, 3, 4, 50, 599, 600, 601, 2048, 10_000]) {
        expect(Buffer.byteLength(text(language, bytes, bytes)), `${language} ${bytes}`).toBe(bytes);
      }
    }
  });

  it('gives byte-identical text for the same seed, on every run and machine (pinned digests)', () => {
    const digest = (language: 'en' | 'zh') =>
      createHash('sha256').update(naturalText(language, new Prng(42, 'golden'), 5000)).digest('hex');
    expect(text('en', 3000, 7)).toBe(text('en', 3000, 7));
    expect(digest('en')).toBe('e72b1965b44542c110f4a8abef1fcc1a6ddeaac044b325c6f5dde91791896c1f');
    expect(digest('zh')).toBe('7c3bd25bb6a54f139027eb295f1c74abbc60c18649f264cd031ee5416543a09c');
    expect(text('en', 3000, 7)).not.toBe(text('en', 3000, 8));
  });

  it('writes English sentences of the vocabulary: capitalised, punctuated, words only from the list', () => {
    const t = text('en', 20_000);
    const sentences = t.slice(0, t.lastIndexOf(' ')).split(/(?<=[.?!]) /);
    expect(sentences.length).toBeGreaterThan(200);
    for (const s of sentences.slice(0, -1)) expect(s).toMatch(/^[A-Z][A-Za-z',]*( [A-Za-z',]+)*[.?!]$/);
    const vocabulary = new Set(EN_WORDS.split(/\s+/).map((w) => w.toLowerCase()));
    for (const word of t.slice(0, t.lastIndexOf(' ')).split(/[\s,.?!]+/).filter(Boolean)) {
      const [stem, clitic] = word.toLowerCase().split(/(?='(?:s|m|re|ll|d)$)/);
      expect(vocabulary.has(stem!) || vocabulary.has(word.toLowerCase()), word).toBe(true);
      if (clitic) expect(vocabulary.has(clitic)).toBe(true);
    }
  });

  it('writes Chinese as Han characters and full-width punctuation only, 3 bytes each', () => {
    const t = text('zh', 9000);
    expect(t).toMatch(/^[\p{Script=Han}，。？！]+$/u);
    expect([...t]).toHaveLength(3000);
    expect(t.match(/[。？！]/g)!.length).toBeGreaterThan(150);
    const words = ZH_WORDS.split(/\s+/).filter(Boolean);
    expect(t).toContain(words[0]!);
  });

  it("follows Zipf's law: log frequency falls about as fast as log rank", () => {
    const counts = new Map<string, number>();
    for (const w of text('en', 400_000).toLowerCase().split(/[\s,.?!]+|(?=')/)) {
      if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    const freq = [...counts.values()].sort((a, b) => b - a).slice(0, 1000);
    // Least-squares slope of log(frequency) against log(rank).
    const xs = freq.map((_, i) => Math.log(i + 1));
    const ys = freq.map((f) => Math.log(f));
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    const slope =
      xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    expect(slope).toBeGreaterThan(-1.3);
    expect(slope).toBeLessThan(-0.7);
    // The most frequent words are spoken English's.
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([w]) => w);
    expect(top).toEqual(expect.arrayContaining(['you', 'i', 'the']));
  });

  it('compresses as real text does: neither repeated filler (tens of x) nor random bytes (below 1.6x)', () => {
    const en = text('en', 32_768);
    const zh = text('zh', 32_768);
    // English prose compresses 2.6-2.9x with gzip at 32 KB, Chinese prose about 2.2x.
    expect(gzipRatio(en)).toBeGreaterThan(2.2);
    expect(gzipRatio(en)).toBeLessThan(3.2);
    expect(brotliRatio(en)).toBeGreaterThan(2.2);
    expect(brotliRatio(en)).toBeLessThan(3.5);
    expect(gzipRatio(zh)).toBeGreaterThan(1.9);
    expect(gzipRatio(zh)).toBeLessThan(2.8);
    expect(brotliRatio(zh)).toBeGreaterThan(1.8);
    expect(brotliRatio(zh)).toBeLessThan(3);
  });
});
