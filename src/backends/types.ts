/**
 * The session store contract. Every backend is one file in this folder exporting a
 * `BackendDefinition`, registered by name in `registry.ts`. A store lives inside one instance
 * process; the reference chat service (src/service) is its only caller.
 */
import type * as z from 'zod';
import type { StoreCounters } from '../results/schema.js';
import type { SizeCounts } from './session-sizes.js';

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

/** A host and port (loopback). */
export interface Address {
  host: string;
  port: number;
}

/**
 * The Redis deployment a backend needs, from its options; the harness starts it, every node behind
 * its own fault proxy (src/cluster/topologies).
 */
export type RedisTopologySpec =
  | {
      kind: 'single';
      /** A second link for a subscriber connection (pub/sub invalidations), with a proxy of its own. */
      pubsub?: boolean;
    }
  | { kind: 'cluster'; masters: number; replicas: number; nodeTimeoutMs: number }
  | { kind: 'sentinel'; replicas: number; sentinels: number; downAfterMs: number }
  | {
      kind: 'nodes';
      count: number;
      /** twemproxy: one nutcracker (ketama) in front of the nodes; client: each instance hashes itself. */
      via: 'twemproxy' | 'client';
      /** Points per node on the ring (twemproxy: always 160). */
      vnodes: number;
      /** Copy the keys that change node before a membership change takes effect. */
      migrate: boolean;
    };

interface TargetBase {
  /** Every key the store writes starts with this. */
  keyPrefix: string;
}

/** One server (or a proxy that looks like one), through the fault proxy. */
export interface SingleTarget extends TargetBase, Address {
  kind?: 'single';
  /** The subscriber link, when the topology has one. */
  pubsub?: Address;
  /** The address is twemproxy: no INFO ready check (it does not implement INFO). */
  twemproxy?: boolean;
}

/** A Redis Cluster: seed nodes, and every node's announced address mapped to its fault proxy. */
export interface ClusterTarget extends TargetBase {
  kind: 'cluster';
  nodes: Address[];
  /** "host:port" as the nodes announce themselves → the proxy in front of that node. */
  natMap: Record<string, Address>;
}

/** Sentinels (through their proxies) that name the master, whose announced address is mapped too. */
export interface SentinelTarget extends TargetBase {
  kind: 'sentinel';
  sentinels: Address[];
  /** The master's name at the Sentinels. */
  name: string;
  natMap: Record<string, Address>;
}

/** A node of a client-side hash ring. */
export interface RingNode extends Address {
  /** Its name places its points on the ring (as twemproxy's server name does). */
  name: string;
}

/** Standalone nodes the instance itself spreads keys over with a consistent-hash ring. */
export interface RingTarget extends TargetBase {
  kind: 'ring';
  nodes: RingNode[];
  vnodes: number;
}

/** Where an instance finds Redis and what belongs to it there. */
export type RedisTarget = SingleTarget | ClusterTarget | SentinelTarget | RingTarget;

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

/** Optional ability: a store that spreads keys over ring nodes and follows membership changes. */
export interface RingMemberStore extends SessionStore {
  /** Use this membership from now on (a node removed or added). */
  setRing(nodes: readonly RingNode[]): void;
}

export function isRingMember(store: SessionStore): store is RingMemberStore {
  return typeof (store as Partial<RingMemberStore>).setRing === 'function';
}

/** Optional ability: a store that keeps sessions encoded (Redis) reports the sizes it stored. */
export interface SizedStore extends SessionStore {
  /** The encoded size in bytes of every session saved (`SessionSizes`); null before the first save. */
  sessionSizes(): SizeCounts | null;
}

export function isSized(store: SessionStore): store is SizedStore {
  return typeof (store as Partial<SizedStore>).sessionSizes === 'function';
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
  /** The Redis deployment it needs, from its options; a single server when absent. */
  redisTopology?(options: z.output<z.ZodObject<Shape>>): RedisTopologySpec;
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
