/**
 * The toxic family, after Toxiproxy's `toxics/toxic.go`: a toxic changes how bytes flow through
 * one direction of one proxied connection. The core contract is `pipe`; optional abilities are
 * separate members checked at run time. Names, parameters and units follow Toxiproxy.
 *
 * The proxy calls `pipe` for one chunk at a time per direction, in order, and writes what it
 * returns before the next chunk: a toxic can delay, split or hold bytes, and never reorders them.
 */
import type { ParamShape, ParamValues } from './params.js';

export type Direction = 'upstream' | 'downstream';

export interface Chunk {
  data: Buffer;
  /** performance.now() when the proxy read the chunk: latency is measured from here. */
  at: number;
}

/** What a toxic sees of the connection it works on (Toxiproxy's ToxicStub). */
export interface ToxicStub<State = unknown> {
  readonly direction: Direction;
  /** Resolves when the toxic is removed (its fault ended). */
  readonly removed: Promise<void>;
  isRemoved(): boolean;
  /** Close the connection with a FIN (both sides). */
  close(): void;
  /** Close the connection with a TCP RST (both sides). */
  reset(): void;
  /** Uniform in [0, 1) from the run's seeded stream. */
  random(): number;
  /** Per connection and direction, from `newState` (Toxiproxy's StatefulToxic). */
  readonly state: State;
  /** Per connection, shared by both directions and every toxic on it; a toxic keeps its entry under its own name. */
  readonly shared: Record<string, unknown>;
  /** Send bytes towards the side `direction` flows to, in order after what is already queued, past all toxics. */
  inject(direction: Direction, data: Buffer): void;
}

/** What a toxic passes on: bytes, or a number of ms to wait before the next bytes. */
export type Piece = Buffer | number;

export interface Toxic<State = unknown> {
  /**
   * The pieces to pass on for this chunk, in order; may wait (until `stub.removed` at most, unless
   * holding is its purpose). A number between pieces is a pause in ms (cut short by removal).
   */
  pipe(chunk: Chunk, stub: ToxicStub<State>): Piece[] | Promise<Piece[]>;
  /** Optional: per connection and direction state. */
  newState?(): State;
  /** Optional: called once when the toxic starts on a connection and direction (timers, closing). */
  attach?(stub: ToxicStub<State>): void;
  /** Optional: the proxy refuses new connections while this toxic is active (down). */
  readonly refusesConnections?: boolean;
  /** Optional: keep piping after removal while this returns true (state that must drain). */
  busy?(stub: ToxicStub<State>): boolean;
}

/**
 * Links a toxic can be placed on: the instances' links to Redis, an instance's peer links, or the
 * driver's links to the instances (clients).
 */
export type LinkKind = 'redis' | 'peers' | 'clients';

/**
 * How a fault entry names a toxic: a key holding one parameter's value, the other parameters
 * beside it (`latency: 50ms, jitter: 10ms`); a key holding every parameter as a mapping
 * (`slicer: { average_size: 64 }`); or a key set to `true` (`down: true`).
 */
export type ToxicForm<S extends ParamShape> =
  | { key: string; value: keyof S & string }
  | { key: string; mapping: true }
  | { key: string; flag: true };

/**
 * A toxic type: its parameters (Toxiproxy's attribute names and units, declared once, here), how a
 * scenario writes it, where it applies, and a factory typed by its parameters and state.
 */
export interface ToxicDefinition<S extends ParamShape = ParamShape, State = unknown> {
  /** Toxiproxy's type name; the registry key. */
  readonly name: string;
  readonly description: string;
  readonly params: S;
  readonly form: ToxicForm<S>;
  readonly links: readonly LinkKind[];
  /** Acts on every connection in both directions: a fault entry may not set toxicity or direction. */
  readonly wholeLink?: boolean;
  /** Optional: a problem with the parameters a fault entry gave, beyond each one's own bounds. */
  problem?(given: Partial<ParamValues<S>>): { key: string; message: string } | undefined;
  /** Short text for a fault's generated name: "latency 50ms±10ms". */
  label(params: ParamValues<S>): string;
  create(params: ParamValues<S>): Toxic<State>;
}

/** A toxic to add to a proxy: its type and parameters, where it applies and how often. */
export interface ToxicSpec {
  /** A toxic registry name. */
  type: string;
  /** Parameters in their units; the proxy validates them with the toxic's own schema. */
  params: Record<string, unknown>;
  /** Toxiproxy's stream; `both` adds it to each direction. */
  direction: Direction | 'both';
  /** Probability that the toxic applies to a given connection (drawn once per connection). */
  toxicity: number;
}

/** Wait `ms`, or less if the toxic is removed first (never drop data on the floor). */
export function waitOrRemoved(ms: number, stub: ToxicStub<unknown>): Promise<void> {
  if (ms <= 0 || stub.isRemoved()) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void stub.removed.then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
