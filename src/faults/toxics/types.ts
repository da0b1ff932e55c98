/**
 * The toxic family, after Toxiproxy's `toxics/toxic.go`: a toxic changes how bytes flow through
 * one direction of one proxied connection. The core contract is `pipe`; optional abilities are
 * separate members checked at run time. Names, parameters and units follow Toxiproxy.
 *
 * The proxy calls `pipe` for one chunk at a time per direction, in order, and writes what it
 * returns before the next chunk: a toxic can delay, split or hold bytes, and never reorders them.
 */
import type * as z from 'zod';

export type Direction = 'upstream' | 'downstream';

export interface Chunk {
  data: Buffer;
  /** performance.now() when the proxy read the chunk: latency is measured from here. */
  at: number;
}

/** What a toxic sees of the connection it works on (Toxiproxy's ToxicStub). */
export interface ToxicStub {
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
  state: any;
  /** Per connection, shared by both directions. */
  shared: any;
  /** Send bytes towards the side `direction` flows to, in order after what is already queued, past all toxics. */
  inject(direction: Direction, data: Buffer): void;
}

/** What a toxic passes on: bytes, or a number of ms to wait before the next bytes. */
export type Piece = Buffer | number;

export interface Toxic {
  /**
   * The pieces to pass on for this chunk, in order; may wait (until `stub.removed` at most, unless
   * holding is its purpose). A number between pieces is a pause in ms (cut short by removal).
   */
  pipe(chunk: Chunk, stub: ToxicStub): Piece[] | Promise<Piece[]>;
  /** Optional: per connection and direction state. */
  newState?(): unknown;
  /** Optional: called once when the toxic starts on a connection and direction (timers, closing). */
  attach?(stub: ToxicStub): void;
  /** Optional: the proxy refuses new connections while this toxic is active (down). */
  readonly refusesConnections?: boolean;
  /** Optional: keep piping after removal while this returns true (state that must drain). */
  busy?(stub: ToxicStub): boolean;
}

/** A toxic type: its parameters (Toxiproxy's attribute names and units) and a factory. */
export interface ToxicDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  params: Shape;
  create(params: z.output<z.ZodObject<Shape>>): Toxic;
}

/** Wait `ms`, or less if the toxic is removed first (never drop data on the floor). */
export function waitOrRemoved(ms: number, stub: ToxicStub): Promise<void> {
  if (ms <= 0 || stub.isRemoved()) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void stub.removed.then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
