/**
 * Session serialization for remote stores: a one-byte header, then the encoded session, optionally
 * compressed. The header makes stored values self-describing, so a reader never guesses.
 *
 *   header = codec (0 json, 1 msgpack) | compression (0x00 none, 0x10 gzip, 0x20 brotli)
 *
 * Decoding never trusts the bytes: the result is checked field by field and rebuilt into plain
 * objects, so a hostile value can't smuggle prototypes or unexpected types into the service.
 */
import { Packr } from 'msgpackr';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import type { Session, TurnRecord } from './types.js';

export type CodecName = 'json' | 'msgpack';
export type CompressionName = 'none' | 'gzip' | 'brotli';

export interface CodecOptions {
  codec: CodecName;
  compress: CompressionName;
  /** Encoded sizes above this are compressed (when compress is not none). */
  compressAbove: number;
}

const CODEC_BITS: Record<CodecName, number> = { json: 0x00, msgpack: 0x01 };
const COMPRESS_BITS: Record<CompressionName, number> = { none: 0x00, gzip: 0x10, brotli: 0x20 };
// Plain maps and arrays only: no records, no structured clone, no extension types on the way out.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
/** The largest session a stored value may inflate to. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;
const BROTLI_OPTS = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } };

/** A session as stored: [version, [[id, user, reply], ...]] keeps it compact in both codecs. */
type Wire = [number, [string, string, string][]];

export function encodeSession(session: Session, opts: CodecOptions): Buffer {
  const wire: Wire = [session.version, session.turns.map((t) => [t.id, t.user, t.reply])];
  let body = opts.codec === 'json' ? Buffer.from(JSON.stringify(wire)) : packr.pack(wire);
  let compression: CompressionName = 'none';
  if (opts.compress !== 'none' && body.length > opts.compressAbove) {
    body = opts.compress === 'gzip' ? gzipSync(body) : brotliCompressSync(body, BROTLI_OPTS);
    compression = opts.compress;
  }
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = CODEC_BITS[opts.codec] | COMPRESS_BITS[compression];
  body.copy(out, 1);
  return out;
}

/** Throws when the bytes are not a session this codec wrote. */
export function decodeSession(buf: Buffer): Session {
  if (buf.length < 2) throw new Error('stored session is truncated');
  const header = buf[0]!;
  let body = buf.subarray(1);
  const compression = header & 0xf0;
  // A stored value is never trusted to be small once inflated (a compression bomb).
  const bound = { maxOutputLength: MAX_DECODED_BYTES };
  if (compression === COMPRESS_BITS.gzip) body = gunzipSync(body, bound);
  else if (compression === COMPRESS_BITS.brotli) body = brotliDecompressSync(body, bound);
  else if (compression !== 0)
    throw new Error(`stored session has an unknown compression (header 0x${header.toString(16)})`);
  const codec = header & 0x0f;
  let wire: unknown;
  if (codec === CODEC_BITS.json) wire = JSON.parse(body.toString('utf8'));
  else if (codec === CODEC_BITS.msgpack) wire = packr.unpack(body);
  else throw new Error(`stored session has an unknown codec (header 0x${header.toString(16)})`);
  return fromWire(wire);
}

function fromWire(wire: unknown): Session {
  if (!Array.isArray(wire) || wire.length !== 2 || !Number.isSafeInteger(wire[0]) || !Array.isArray(wire[1])) {
    throw new Error('stored session has an unexpected shape');
  }
  const turns: TurnRecord[] = [];
  for (const t of wire[1] as unknown[]) {
    if (!Array.isArray(t) || t.length !== 3 || !t.every((s) => typeof s === 'string')) {
      throw new Error('stored session has a malformed turn');
    }
    turns.push({ id: t[0] as string, user: t[1] as string, reply: t[2] as string });
  }
  return { version: wire[0] as number, turns };
}
