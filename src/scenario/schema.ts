/**
 * The scenario file's schema: the single truth for what a scenario may say. Durations, sizes and
 * ranges are parsed here, at the boundary; the output type is what the rest of sessbench uses.
 *
 * Backend entries are checked in a second step (parse.ts) against the chosen backend's own option
 * schema, so each backend owns its options; `scenarioJsonSchema()` merges them for editors.
 */
import * as z from 'zod';
import { backendNames, backends, defaultBackendNames } from '../backends/registry.js';
import { type FaultSpec, faultSchema } from '../faults/schema.js';
import type { ThresholdSpec } from '../gates/thresholds.js';
import { MAX_MODEL_MS, MAX_TOKENS } from '../service/protocol.js';
import { LANGUAGES } from '../text/generate.js';
import {
  FIELD_FORMATS,
  type FieldFormat,
  bytes,
  bytesRange,
  countRange,
  distribution,
  durationMs,
  durationRange,
  int,
  probability,
} from '../util/fields.js';
import { METRIC_NAMES } from '../results/metrics.js';
import { TRANSPORT_JSON_SCHEMA, type TransportSpec, reconnectSchema, transportSchema } from './transport.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const MiB = 1024 * 1024;

/** Limits of a run: beyond them a value validates nothing useful (see each field's bound). */
export const LIMITS = {
  phaseMs: 24 * HOUR,
  warmupMs: HOUR,
  drainMs: HOUR,
  requestTimeoutMs: 10 * MINUTE,
  detectAfterMs: 10 * MINUTE,
  thinkMs: HOUR,
  arrivalRate: 10_000,
  turns: 10_000,
  historyTurns: 10_000,
  replyBytes: 16 * MiB,
  messageBytes: 16 * MiB,
  minBodyBytes: 1024,
  maxBodyBytes: 64 * MiB,
} as const;

const streamSchema = z.strictObject({
  firstToken: distribution({ max: MAX_MODEL_MS })
    .prefault('lognormal(300ms, 80ms)')
    .describe('Time to the first token of a reply.'),
  tokens: countRange({ min: 1, max: MAX_TOKENS }).prefault('20..60').describe('Tokens per reply.'),
  tokenGap: distribution({ max: 10_000 }).prefault('20ms').describe('Gap between tokens (drawn once per turn).'),
  prefillPerKB: durationMs({ max: 10_000 })
    .prefault(0)
    .describe('Extra time to the first token per KB of context the model reads.'),
});

const serviceSchema = z
  .strictObject({
    modelTime: distribution({ max: MAX_MODEL_MS })
      .prefault('lognormal(80ms, 30ms)')
      .describe("Simulated model time per turn (draws are capped at the service's 120s)."),
    replyBytes: bytes({ max: LIMITS.replyBytes }).prefault(600).describe('Size of each reply.'),
    historyTurns: int(1)
      .max(LIMITS.historyTurns)
      .default(50)
      .describe('Turns a session keeps; older ones are dropped.'),
    maxBodyBytes: bytes({ min: LIMITS.minBodyBytes, max: LIMITS.maxBodyBytes })
      .prefault('64KiB')
      .describe('Request bodies larger than this get 413.'),
    stream: streamSchema
      .optional()
      .describe('Simulated model streaming; when given, it replaces modelTime (the non-streaming total).'),
  })
  .describe('The reference chat service every instance runs.');

const clusterSchema = z.strictObject({
  instances: int(1).max(64).default(4).describe('Instance processes per backend.'),
  routing: z
    .enum(['round-robin', 'random', 'sticky'])
    .default('round-robin')
    .describe('How the balancer picks an instance; a backend that needs affinity overrides this.'),
  detectAfter: durationMs({ max: LIMITS.detectAfterMs })
    .prefault('1s')
    .describe('How long the balancer takes to notice that an instance died (or came back), like a health check.'),
  service: serviceSchema.prefault({}),
});

const phaseSchema = z.strictObject({
  duration: durationMs({ min: 1, max: LIMITS.phaseMs }).describe('How long this phase lasts.'),
  arrivalRate: z
    .number()
    .min(0)
    .max(LIMITS.arrivalRate)
    .describe('New conversations per second at the start of the phase.'),
  rampTo: z
    .number()
    .min(0)
    .max(LIMITS.arrivalRate)
    .optional()
    .describe('Rate at the end of the phase, reached linearly.'),
});

const conversationSchema = z.strictObject({
  turns: countRange({ min: 1, max: LIMITS.turns }).prefault('4..12').describe('Turns per conversation.'),
  thinkTime: durationRange({ max: LIMITS.thinkMs })
    .prefault('200ms..1s')
    .describe('Pause between a reply and the next turn.'),
  messageBytes: bytesRange({ max: LIMITS.messageBytes }).prefault('50..400').describe('Size of each user message.'),
  language: z
    .enum(LANGUAGES)
    .default('en')
    .describe('Language of the messages and replies: en (English) or zh (Chinese, 3 UTF-8 bytes a character).'),
});

/** A capacity search: the arrival rate stepped from `from` to `to`, each step held for `duration`. */
const stepsSchema = z
  .strictObject({
    from: z
      .number()
      .min(0)
      .max(LIMITS.arrivalRate)
      .describe('Arrival rate of the first step, conversations per second.'),
    to: z.number().min(0).max(LIMITS.arrivalRate).describe('Arrival rate of the last step.'),
    count: int(2).max(50).describe('Steps from `from` to `to`, evenly spaced.'),
    duration: durationMs({ min: 1, max: LIMITS.phaseMs }).describe('How long each step lasts.'),
  })
  .describe("Capacity mode: steps of rising arrival rate instead of phases; with `slo`, each backend's capacity.");

/** The service level a capacity step must hold to count as sustained. */
const sloSchema = z
  .strictObject({
    p99: durationMs({ min: 1, max: LIMITS.requestTimeoutMs }).describe(
      'Highest p99 latency a sustained step may have.',
    ),
    errors: probability()
      .prefault(0.01)
      .describe('Highest share of failed turns a sustained step may have (default 1%).'),
  })
  .describe('The service level of the capacity search: the highest step rate that holds it is the capacity.');

const loadSchema = z.strictObject({
  warmup: durationMs({ max: LIMITS.warmupMs })
    .prefault(0)
    .describe('Conversations started in this time run but are not measured.'),
  phases: z.array(phaseSchema).min(1).optional().describe('Arrival phases, one after another (or `steps`).'),
  steps: stepsSchema.optional(),
  slo: sloSchema.optional(),
  arrivals: z
    .enum(['constant', 'poisson'])
    .default('constant')
    .describe('constant: evenly spaced arrivals at the rate; poisson: random arrivals with that mean rate.'),
  conversation: conversationSchema.prefault({}),
  transport: transportSchema.prefault('http'),
  reconnect: reconnectSchema.prefault({}),
  onLostContext: z
    .enum(['continue', 'resend-history'])
    .default('continue')
    .describe(
      'When a reply shows the context was lost: carry on from what the service holds, or send the turn again ' +
        'with the whole history (as clients of stateless chat APIs do).',
    ),
  drain: durationMs({ max: LIMITS.drainMs })
    .prefault('10s')
    .describe('After the last phase, how long running conversations may finish.'),
  requestTimeout: durationMs({ min: 1, max: LIMITS.requestTimeoutMs })
    .prefault('30s')
    .describe('A turn with no reply after this long counts as a timeout.'),
});

/** One threshold's conditions: an expression, a list of them, or k6's object form. */
const thresholdValue = z.union(
  [
    z.string(),
    z.array(z.string()).min(1),
    z.strictObject({
      threshold: z.string(),
      abortOnFail: z.boolean().default(false),
      delayAbortEval: durationMs({ max: LIMITS.phaseMs }).prefault(0),
    }),
  ],
  { error: 'expected an expression like "< 300ms", a list of them, or { threshold, abortOnFail, delayAbortEval }' },
);

/** A backend entry as the first validation step sees it: a name, or a mapping with `backend`. */
const backendEntry = z.union([z.string(), z.looseObject({ backend: z.string() })], {
  error: 'expected a backend name or a mapping with a `backend` key',
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1).max(120).describe('Names the run and its report folder.'),
  description: z.string().optional(),
  seed: int(0)
    .max(2 ** 31 - 1)
    .optional()
    .describe('Seed of every random choice; random and printed when absent.'),
  backends: z
    .array(backendEntry)
    .min(1)
    .prefault([...defaultBackendNames])
    .describe('Backends to compare, in order.'),
  cluster: clusterSchema.prefault({}),
  load: loadSchema,
  faults: z.array(faultSchema).default([]).describe("Faults on the run's timeline; every backend gets the same ones."),
  thresholds: z
    .record(z.string(), z.record(z.string(), thresholdValue))
    .default({})
    .describe(
      'Pass/fail criteria per backend label (or "*"): { "latency.p99": "< 300ms", "errors{phase:fault}": "< 5%" }.',
    ),
});

type Parsed = z.output<typeof ScenarioSchema>;

/** One backend of a run, with its options resolved. */
export interface BackendSpec {
  /** The backend's registry name. */
  backend: string;
  /** Unique label in this run (defaults to the name; set `label` to compare variants). */
  label: string;
  options: Record<string, unknown>;
  /** This backend's transport, when the entry sets one (else the scenario's `load.transport`). */
  transport?: TransportSpec;
}

/** A validated scenario, every value resolved. */
/** One arrival phase. */
export type Phase = z.output<typeof phaseSchema>;

export type Scenario = Omit<Parsed, 'backends' | 'faults' | 'thresholds' | 'load'> & {
  /** The load, its phases resolved (a capacity search's steps become one phase each). */
  load: Omit<Parsed['load'], 'phases'> & { phases: Phase[] };
  backends: BackendSpec[];
  /** Every fault entry resolved to its action (targets are drawn by the run's plan). */
  faults: FaultSpec[];
  /** Every threshold condition resolved, per backend label or "*". */
  thresholds: ThresholdSpec[];
};

/** Strict schema of a backend entry given as a mapping, built from the backend's option shape. */
export function backendEntrySchema(name: string) {
  const def = backends[name as keyof typeof backends];
  return z.strictObject({
    backend: z.literal(name),
    label: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,40}$/, 'expected 1..40 letters, digits, ".", "_" or "-"')
      .optional(),
    transport: transportSchema.optional().describe("This backend's transport (default: load.transport)."),
    ...def.options,
  });
}

/** JSON Schema of the scenario file (input form), for editor completion. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const entry = z.union([
    z.enum(backendNames as [string, ...string[]]),
    ...backendNames.map((n) => backendEntrySchema(n)),
  ]);
  const full = ScenarioSchema.extend({ backends: z.array(entry).min(1).optional() });
  const schema = z.toJSONSchema(full, {
    io: 'input',
    unrepresentable: 'any',
    // A field read from text gets the patterns the CLI accepts, so the editor agrees with it.
    override: ({ zodSchema, jsonSchema }) => {
      const format = (z.globalRegistry.get(zodSchema) as { format?: FieldFormat | 'transport' } | undefined)?.format;
      if (!format || !(format in FIELD_FORMATS || format === 'transport')) return;
      const description = jsonSchema.description;
      for (const k of Object.keys(jsonSchema)) delete (jsonSchema as Record<string, unknown>)[k];
      const shape = format === 'transport' ? TRANSPORT_JSON_SCHEMA : FIELD_FORMATS[format];
      Object.assign(jsonSchema, shape, description ? { description } : {});
    },
  }) as Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
  // Threshold keys: every metric, optionally with {phase:…}, completed by the editor.
  const conditions = (schema.properties.thresholds?.additionalProperties ?? {}) as Record<string, unknown>;
  const names = METRIC_NAMES.map((n) => n.replace(/\./g, '\\.')).join('|');
  schema.properties.thresholds = {
    ...schema.properties.thresholds,
    additionalProperties: {
      type: 'object',
      properties: Object.fromEntries(METRIC_NAMES.map((n) => [n, conditions.additionalProperties ?? {}])),
      patternProperties: { [`^(${names})\\{phase:[^}]+\\}$`]: conditions.additionalProperties ?? {} },
      additionalProperties: false,
    },
  };
  return { ...schema, title: 'sessbench scenario' };
}
