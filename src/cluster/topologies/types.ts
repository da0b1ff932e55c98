/**
 * The Redis topology family: a backend declares the deployment it needs (`RedisTopologySpec` in
 * src/backends/types.ts); the harness starts it with the member of this family named by its kind,
 * every node behind its own fault proxy, and gives the instances the proxied addresses. A
 * deployment also carries out the faults that belong to it (a node killed, paused or restarted, a
 * failover, a reshard, a node leaving or joining the ring) and reports what it saw.
 */
import type { RedisTarget, RedisTopologySpec, RingNode } from '../../backends/types.js';
import type { FaultLink, ProxyHost } from '../../faults/proxy-host.js';
import type { RedisTopologyKind, RedisTopologyResult } from '../../results/topology.js';
import type { CommandCounts, RedisServer } from '../redis.js';
import type { RedisNode } from '../redis-node.js';

/** The Redis link or process a fault names: every data link, a node (or its replica), the subscriber link. */
export type RedisSelector = { kind: 'all' } | { kind: 'node'; index: number; replica: boolean } | { kind: 'pubsub' };

/** What a deployment gets from the run around it. */
export interface TopologyContext {
  seed: number;
  /** The proxy thread every node's fault proxy runs in (the run's, shared with the peer links). */
  proxies: ProxyHost;
  /** The run's own server (for `single`): shared by the backends of the run, reset between them. */
  server: RedisServer | undefined;
  /** redis-server to spawn (--redis-bin); PATH when absent. */
  bin: string | undefined;
  /** ms since the start of the load: the time events are recorded at. */
  now(): number;
  /** Tell every instance a new ring membership (client-side ring); resolves once all have it. */
  announceRing(nodes: RingNode[]): Promise<void>;
}

/** Names of the faults a deployment records events for. */
export interface FaultRef {
  name: string;
}

/** A started deployment. Everything it starts is stopped by `stop`, which is safe to call twice. */
export interface Deployment {
  readonly kind: RedisTopologyKind;
  /** What an instance is given (its keys start with `keyPrefix`). */
  target(keyPrefix: string): RedisTarget;
  /** The fault proxies of a link; empty when this deployment has no such link. */
  links(sel: RedisSelector): FaultLink[];
  /** The process a node selection names; undefined when it has none. */
  process(sel: RedisSelector): RedisNode | undefined;
  /** Kill a node's process (SIGKILL); `restart` starts it again on its port, empty. */
  kill(node: RedisNode): Promise<void>;
  restart(node: RedisNode): Promise<void>;
  /** Session reads and writes the deployment served its clients (replication traffic left out). */
  commandCounts(): Promise<CommandCounts>;
  /** Per-node figures, redirects, key spread and the events so far. */
  result(): Promise<RedisTopologyResult>;
  /** Master `index` dies and a replica takes over; the time until writes succeed again is an event. */
  failover?(index: number, fault: FaultRef): Promise<void>;
  /** Move `share` of all slots to master `index`, live. */
  reshard?(index: number, share: number, fault: FaultRef): Promise<void>;
  /** Node `index` leaves the ring (its keys copied to their new nodes first if the backend migrates). */
  removeNode?(index: number, fault: FaultRef): Promise<void>;
  /** A new node joins the ring (the keys it now owns copied to it first if the backend migrates). */
  addNode?(fault: FaultRef): Promise<void>;
  /**
   * Wait for work still under way in the background (a failover being watched, a migration); with
   * `cut`, end it first (what did not complete is reported as such).
   */
  settle(cut?: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** A member of the family: starts the deployment of its kind. */
export interface TopologyDefinition<K extends RedisTopologyKind = RedisTopologyKind> {
  readonly kind: K;
  start(spec: Extract<RedisTopologySpec, { kind: K }>, ctx: TopologyContext): Promise<Deployment>;
}
