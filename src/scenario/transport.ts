/**
 * How the driver carries turns (`load.transport`, or `transport` in a backend entry): a transport
 * name, or a mapping with `type` and that transport's settings. The driver's transport registry
 * (src/driver/transports/registry.ts) has one member per name here; a contract test keeps the two
 * lists equal.
 */
import * as z from 'zod';
import { MAX_HOLD_MS } from '../service/protocol.js';
import { FIELD_FORMATS, durationMs, probability } from '../util/fields.js';

export const TRANSPORT_NAMES = ['http', 'sse', 'websocket', 'long-poll', 'poll'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** Settings and the transports they belong to. */
const SETTINGS = {
  interval: { with: ['poll'] },
  hold: { with: ['long-poll'] },
  perMessageDeflate: { with: ['websocket'] },
} as const;

const transportObject = z
  .strictObject({
    type: z.enum(TRANSPORT_NAMES).describe('The wire protocol of the turns.'),
    interval: durationMs({ min: 1, max: 60_000 })
      .optional()
      .describe('poll: how often the client asks for the reply (default 1s).'),
    hold: durationMs({ min: 1, max: MAX_HOLD_MS })
      .optional()
      .describe('long-poll: how long the service holds a request before answering "not yet" (default 30s).'),
    perMessageDeflate: z.boolean().optional().describe('websocket: negotiate per-message compression (default false).'),
  })
  .superRefine((t, ctx) => {
    for (const [key, s] of Object.entries(SETTINGS)) {
      if (t[key as keyof typeof SETTINGS] !== undefined && !(s.with as readonly string[]).includes(t.type))
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} goes only with transport ${s.with.join(' / ')}` });
    }
  });

/** A transport as the run uses it: its name and every setting resolved. */
export type TransportSpec = {
  type: TransportName;
  /** poll: ms between asks. */
  intervalMs: number;
  /** long-poll: ms the service holds a request. */
  holdMs: number;
  perMessageDeflate: boolean;
};

export const transportSchema = z
  .preprocess((v) => (typeof v === 'string' ? { type: v } : v), transportObject)
  .transform(
    (t): TransportSpec => ({
      type: t.type,
      intervalMs: t.interval ?? 1000,
      holdMs: t.hold ?? 30_000,
      perMessageDeflate: t.perMessageDeflate ?? false,
    }),
  )
  .meta({
    format: 'transport',
    description:
      'http | sse | websocket | long-poll | poll, or a mapping { type, …settings }: ' +
      '{ type: poll, interval: 1s }, { type: long-poll, hold: 30s }, { type: websocket, perMessageDeflate: true }.',
  });

/** The JSON Schema of a transport for editors: a name, or the mapping with its settings. */
export const TRANSPORT_JSON_SCHEMA = {
  anyOf: [
    { type: 'string', enum: [...TRANSPORT_NAMES] },
    {
      type: 'object',
      properties: {
        type: { type: 'string', enum: [...TRANSPORT_NAMES] },
        interval: FIELD_FORMATS.duration,
        hold: FIELD_FORMATS.duration,
        perMessageDeflate: { type: 'boolean' },
      },
      required: ['type'],
      additionalProperties: false,
    },
  ],
};

/** How a WebSocket or SSE client reconnects after its connection broke. */
export const reconnectSchema = z
  .strictObject({
    backoff: durationMs({ min: 1, max: 60_000 })
      .prefault('100ms')
      .describe('Wait before the first attempt; doubles with every failed attempt.'),
    maxBackoff: durationMs({ min: 1, max: 600_000 }).prefault('2s').describe('The longest wait between attempts.'),
    jitter: probability()
      .prefault(0.5)
      .describe('Each wait is shortened by up to this share, drawn from the seed ("50%").'),
    attempts: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe('Attempts before the conversation gives up (its unanswered turn is lost).'),
  })
  .describe('How a WebSocket or SSE client reconnects through the balancer after its connection broke.');
export type ReconnectSpec = z.output<typeof reconnectSchema>;
