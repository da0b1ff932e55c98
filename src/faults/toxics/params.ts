/**
 * A toxic's parameters, declared once in its own file (as Toxiproxy's toxic struct is its
 * configuration): each parameter's unit, bounds, default and description. From that one
 * declaration come the parameter schema the proxy validates with, the keys a scenario's fault
 * entry accepts (durations and sizes written with units, converted to the parameter's unit), the
 * JSON Schema for editors, and the type the toxic's `create` receives.
 */
import * as z from 'zod';
import { bytes, durationMs, probability } from '../../util/fields.js';

/** The unit a parameter is held in. `ms` and `bytes` are written with units in a scenario. */
export type ParamUnit = 'ms' | 'µs' | 'bytes' | 'KB/s' | 'share' | 'text' | 'names';

/** required: the scenario must give it; defaulted: it has a default; optional: it may be absent. */
export type Presence = 'required' | 'defaulted' | 'optional';

export interface Param<T, P extends Presence = Presence> {
  readonly unit: ParamUnit;
  /** The value in its unit, with its bounds. */
  readonly schema: z.ZodType<T>;
  readonly presence: P;
  readonly defaultValue?: T;
  readonly description: string;
}

/** A toxic's parameters by Toxiproxy attribute name. */
export type ParamShape = Record<string, Param<unknown>>;

/** The values a toxic is created with: defaults applied, optional ones possibly undefined. */
export type ParamValues<S extends ParamShape> = {
  [K in keyof S]: S[K] extends Param<infer T, infer P> ? (P extends 'optional' ? T | undefined : T) : never;
};

interface ParamBuilder<T> {
  required(): Param<T, 'required'>;
  default(value: T): Param<T, 'defaulted'>;
  optional(): Param<T, 'optional'>;
}

function builder<T>(unit: ParamUnit, schema: z.ZodType<T>, description: string): ParamBuilder<T> {
  return {
    required: () => ({ unit, schema, presence: 'required', description }),
    default: (value) => ({ unit, schema, presence: 'defaulted', defaultValue: value, description }),
    optional: () => ({ unit, schema, presence: 'optional', description }),
  };
}

/** Declaring parameters: `latency: param.ms('Delay added to each chunk.').required()`. */
/** The longest time a toxic parameter may hold: a day (a timer can't wait longer than ~24.8 days). */
const MAX_MS = 24 * 3_600_000;

export const param = {
  ms: (description: string) => builder('ms', z.number().min(0).max(MAX_MS), description),
  us: (description: string) =>
    builder(
      'µs',
      z
        .number()
        .min(0)
        .max(MAX_MS * 1000),
      description,
    ),
  bytes: (description: string, min = 0) => builder('bytes', z.number().int().min(min), description),
  kbPerSec: (description: string) => builder('KB/s', z.number().positive(), description),
  share: (description: string) => builder('share', z.number().min(0).max(1), description),
  text: (description: string, schema: z.ZodType<string>) => builder('text', schema, description),
  names: (description: string, schema: z.ZodType<string[]>) => builder('names', schema, description),
};

/** The schema the proxy validates a toxic's parameters with (values in their units). */
export function paramsSchema<S extends ParamShape>(shape: S): z.ZodType<ParamValues<S>> {
  const fields: Record<string, z.ZodType> = {};
  for (const [name, p] of Object.entries(shape)) {
    fields[name] =
      p.presence === 'defaulted'
        ? p.schema.default(p.defaultValue)
        : p.presence === 'optional'
          ? p.schema.optional()
          : p.schema;
  }
  return z.strictObject(fields) as unknown as z.ZodType<ParamValues<S>>;
}

const UNIT_TEXT: Record<ParamUnit, string> = {
  ms: 'a duration like "50ms"',
  µs: 'microseconds',
  bytes: 'bytes, or a size like "4KB"',
  'KB/s': 'KB per second',
  share: '0..1 or "30%"',
  text: 'text',
  names: 'a list of names',
};

/**
 * The field a scenario writes for a parameter: its text form (a duration, a size, a percentage),
 * converted to the parameter's unit and checked by the parameter's own bounds. Always optional
 * here: which parameters a fault needs is checked when the fault is resolved.
 */
export function scenarioField(p: Param<unknown>): z.ZodType {
  const described = (s: z.ZodType) => s.optional().describe(`${p.description} (${UNIT_TEXT[p.unit]})`);
  // Numeric units: the text form's number, then the parameter's own bounds.
  const bounds = p.schema as z.ZodType<unknown, number>;
  switch (p.unit) {
    case 'ms':
      return described(durationMs().pipe(bounds));
    case 'bytes':
      return described(bytes().pipe(bounds));
    case 'share':
      return described(probability().pipe(bounds));
    default:
      return described(p.schema);
  }
}
