/**
 * Seeded natural text for chat messages and replies, so that what sessions store, and what codecs
 * and compression make of it, is what real chat gives them. The same PRNG stream gives the same
 * bytes on every run and machine.
 *
 * - Words come from a real vocabulary: the 5000 most frequent words of spoken English or of Chinese
 *   (subtitle corpora, `vocab-*.ts`), drawn with Zipf–Mandelbrot weights: rank r (from 1) has weight
 *   1 / (r + 2.7), the law the counts of such corpora follow.
 * - Words form sentences of 2 or more words (exponential, mean 9 in English, 8 in Chinese), with
 *   commas and an end mark (. ? !); English capitalises the first word and writes contractions
 *   ("I'm", "don't"); Chinese writes no spaces and full-width punctuation (，。？！), 3 UTF-8 bytes a
 *   character.
 * - Phrases recur: after its first 20 words, a word starts with probability 0.15 a repeat of 2 to 5
 *   words used earlier in the same text, as people and models reuse their own phrases. Without it
 *   the words would be independent draws, which no real text is, and compress worse than any real
 *   text does. With it, English compresses as English prose does (gzip about 2.1x at 2 KB and 2.4x
 *   at 32 KB), Chinese as Chinese prose (1.8x and 2.2x).
 *
 * A text is exactly the number of UTF-8 bytes asked for (cut at the end, as a chat client cuts a
 * preview; Chinese fills the last one or two bytes with "~").
 */
import type { Prng } from '../util/prng.js';
import { EN_WORDS } from './vocab-en.js';
import { ZH_WORDS } from './vocab-zh.js';

export const LANGUAGES = ['en', 'zh'] as const;
/** A language sessbench writes: English or (Simplified) Chinese. */
export type Language = (typeof LANGUAGES)[number];

/** Zipf–Mandelbrot shift: the weight of rank r (from 1) is 1 / (r + ZIPF_SHIFT). */
const ZIPF_SHIFT = 2.7;
/** Probability that a word starts a repeat of an earlier phrase of the same text. */
const REPEAT_P = 0.15;
const REPEAT_MIN = 2;
const REPEAT_MAX = 5;
/** Fresh words a text has before it repeats itself (a short message rarely does). */
const REPEAT_AFTER = 20;

interface Style {
  /** Between words. */
  space: string;
  comma: string;
  /** Chance of a comma after a word that does not end the sentence. */
  commaP: number;
  /** End marks with their cumulative probability. */
  ends: readonly [mark: string, upTo: number][];
  /** Mean of the exponential part of a sentence's length in words (2 are always there). */
  meanExtraWords: number;
  /** Between sentences. */
  gap: string;
  capitalise: boolean;
}

const STYLES: Record<Language, Style> = {
  en: {
    space: ' ',
    comma: ',',
    commaP: 0.07,
    ends: [
      ['.', 0.7],
      ['?', 0.9],
      ['!', 1],
    ],
    meanExtraWords: 7,
    gap: ' ',
    capitalise: true,
  },
  zh: {
    space: '',
    comma: '，',
    commaP: 0.1,
    ends: [
      ['。', 0.6],
      ['？', 0.85],
      ['！', 1],
    ],
    meanExtraWords: 6,
    gap: '',
    capitalise: false,
  },
};

interface Vocabulary {
  words: string[];
  /** The words with a capital first letter (English sentence starts). */
  capitalised: string[];
  /** The words after the language's space, so a word joins a sentence in one step. */
  spaced: string[];
  /** Walker's alias table of the Zipf–Mandelbrot weights: one draw picks a word in constant time. */
  keep: Float64Array;
  alias: Int32Array;
}

const vocabularies = new Map<Language, Vocabulary>();

/** A language's vocabulary, built once per process. */
function vocabulary(language: Language): Vocabulary {
  let v = vocabularies.get(language);
  if (!v) {
    const words = (language === 'en' ? EN_WORDS : ZH_WORDS).split(/\s+/).filter(Boolean);
    const capitalised = words.map((w) => w[0]!.toUpperCase() + w.slice(1));
    const spaced = words.map((w) => STYLES[language].space + w);
    v = { words, capitalised, spaced, ...aliasTable(words.map((_, i) => 1 / (i + 1 + ZIPF_SHIFT))) };
    vocabularies.set(language, v);
  }
  return v;
}

/** Vose's construction of an alias table for these weights. */
function aliasTable(weights: number[]): { keep: Float64Array; alias: Int32Array } {
  const n = weights.length;
  const sum = weights.reduce((a, b) => a + b, 0);
  const scaled = weights.map((w) => (w * n) / sum);
  const keep = new Float64Array(n).fill(1);
  const alias = new Int32Array(n).map((_, i) => i);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) (scaled[i]! < 1 ? small : large).push(i);
  while (small.length && large.length) {
    const s = small.pop()!;
    const l = large.pop()!;
    keep[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l]! < 1 ? small : large).push(l);
  }
  return { keep, alias };
}

/**
 * The words of one text, as ranks: fresh Zipf draws, or repeats of a phrase of earlier fresh draws
 * (repeats are not repeated again, so no phrase snowballs).
 */
class WordStream {
  private readonly fresh: number[] = [];
  private copyAt = 0;
  private copyLeft = 0;

  constructor(
    private readonly v: Vocabulary,
    private readonly prng: Prng,
  ) {}

  next(): number {
    if (this.copyLeft > 0) {
      this.copyLeft--;
      return this.fresh[this.copyAt++]!;
    }
    const n = this.fresh.length;
    if (n >= REPEAT_AFTER && this.prng.next() < REPEAT_P) {
      const length = this.prng.int(REPEAT_MIN, REPEAT_MAX);
      this.copyAt = this.prng.int(0, n - length);
      this.copyLeft = length - 1;
      return this.fresh[this.copyAt++]!;
    }
    const u = this.prng.next() * this.v.keep.length;
    const i = Math.floor(u);
    const rank = u - i < this.v.keep[i]! ? i : this.v.alias[i]!;
    this.fresh.push(rank);
    return rank;
  }
}

/** One sentence, end mark included. */
function sentence(style: Style, v: Vocabulary, words: WordStream, prng: Prng): string {
  const count = 2 + Math.floor(-Math.log(1 - prng.next()) * style.meanExtraWords);
  let out = '';
  let previous = '';
  for (let i = 0; i < count; i++) {
    const rank = words.next();
    const w = v.words[rank]!;
    if (w.charCodeAt(0) === 39 /* ' */) {
      // A clitic joins the word before it ("I'm", "it's"), and "'m" only "I".
      if (previous && previous !== "'" && (w !== "'m" || previous === 'I')) out += w;
      previous = "'";
      continue;
    }
    out += out ? v.spaced[rank]! : style.capitalise ? v.capitalised[rank]! : w;
    previous = w;
    if (i < count - 1 && prng.next() < style.commaP) out += style.comma;
  }
  const u = prng.next();
  for (const [mark, upTo] of style.ends) if (u < upTo) return out + mark;
  return out;
}

/** Natural text of exactly `bytes` UTF-8 bytes in `language`, from the PRNG stream `prng`. */
export function naturalText(language: Language, prng: Prng, bytes: number): string {
  if (bytes <= 0) return '';
  const style = STYLES[language];
  const v = vocabulary(language);
  const words = new WordStream(v, prng);
  // English is ASCII (1 byte a character); Chinese text is all 3-byte characters.
  const unit = language === 'en' ? 1 : 3;
  const chars = Math.floor(bytes / unit);
  let out = '';
  while (out.length < chars) out += (out ? style.gap : '') + sentence(style, v, words, prng);
  out = out.slice(0, chars);
  return unit === 1 ? out : out + '~'.repeat(bytes - chars * unit);
}
