/**
 * The session store contract. Every backend is one file in this folder exporting a
 * `BackendDefinition`, registered by name in `registry.ts`. A store lives inside one instance
 * process; the reference chat service (src/service) is its only caller.
 */
import type * as z from 'zod';
import type { StoreCounters } from '../results/schema.js';

/** One exchange of a conversation as the service keeps it. */
export interface TurnRecord {
  /** The client's turn id, echoed back as context by later turns. */
  id: string;
  user: string;
  reply: string;
}

/** A session as a store loads and saves it. Treated as immutable: the service builds a new one. */
export interface Session {
  /** Monotonic version; 0 for a session not yet saved. */
  version: number;
  /** The bounded history, oldest first. */
  turns: readonly TurnRecord[];
}

/** What the request tells a store beyond the session id. */
export interface LoadHint {
  /** The version from the signed version cookie, when the backend sets one and it verified. */
  cookieVersion?: number;
  /** Skip any local copy (used to re-read after a compare-and-set conflict). */
  forceRemote?: boolean;
}

/** Where an instance finds Redis and what belongs to it there. */
export interface RedisTarget {
  host: string;
  port: number;
  /** Every key the store writes starts with this. */
  keyPrefix: string;
}

/** What the harness gives a store when an instance starts. */
export interface StoreContext {
  instanceIndex: number;
  instanceCount: number;
  /** Present for backends with `usesRedis`. */
  redis?: RedisTarget;
  /** Cluster secret (hex) for peer authentication and signed cookies. */
  secret: string;
}

/**
 * One session store inside one instance. Methods may be called concurrently for different
 * sessions, and for the same session by overlapping requests.
 */
export interface SessionStore {
  /**
   * The session with this id, or undefined when the store has none (never issued, expired, lost).
   * Throws StoreError when the store cannot answer.
   */
  load(id: string, hint: LoadHint): Promise<Session | undefined>;
  /**
   * Save `next` as the successor of the version it was loaded at (`baseVersion`, 0 for a new
   * session) and return the version now stored. Throws ConflictError when a store with
   * compare-and-set finds a newer version, StoreError when it cannot write.
   */
  save(id: string, baseVersion: number, next: readonly TurnRecord[]): Promise<number>;
  /** Renew the session's expiry without changing it. */
  touch(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  counters(): StoreCounters;
  /** Release connections and timers; pending write-behind data is flushed first. */
  close(): Promise<void>;
}

/** Optional ability: a store that links instances to each other (replication). */
export interface PeerLinkedStore extends SessionStore {
  /** Start the peer listener on loopback (on `port`, or a free one for 0); resolves to its port. */
  listenPeers(port?: number): Promise<number>;
  /** Addresses (through the fault proxy) of every other instance's peer listener. */
  connectPeers(peers: readonly { index: number; host: string; port: number }[]): void;
}

export function isPeerLinked(store: SessionStore): store is PeerLinkedStore {
  return typeof (store as Partial<PeerLinkedStore>).listenPeers === 'function';
}

/** Routing a backend needs from the load balancer. */
export type RoutingNeed = 'any' | 'affinity';

/** A backend: a named session strategy. */
export interface BackendDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  /** One line for `sessbench backends`. */
  description: string;
  /** `affinity`: the run routes by consistent hash whatever the scenario says. */
  routing: RoutingNeed;
  usesRedis: boolean;
  /** The service sets a signed version cookie for this backend. */
  versionCookie: boolean;
  /** Scenario options of this backend (a zod object shape). */
  options: Shape;
  /** Build the store inside an instance process. `options` has passed `options`' schema. */
  create(ctx: StoreContext, options: z.output<z.ZodObject<Shape>>): SessionStore;
}

/** The store could not answer; the service replies 503 with `phase` in its reason. */
export class StoreError extends Error {
  constructor(
    readonly phase: 'read' | 'write',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** A compare-and-set found a newer version than the one the write was based on. */
export class ConflictError extends Error {
  constructor(readonly storedVersion: number) {
    super(`version conflict: stored version is ${storedVersion}`);
    this.name = 'ConflictError';
  }
}
