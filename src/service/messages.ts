/**
 * IPC between the harness (src/cluster/instances.ts) and an instance process (service/main.ts).
 */
import type { SizeCounts } from '../backends/session-sizes.js';
import type { RedisTarget, RingNode } from '../backends/types.js';
import type { StoreCounters } from '../results/schema.js';
import type { Language } from '../text/generate.js';

/** Everything an instance needs, passed in the SESSBENCH_INSTANCE environment variable as JSON. */
export interface InstanceConfig {
  index: number;
  count: number;
  backend: string;
  /** The backend's options, already validated by the scenario schema. */
  options: Record<string, unknown>;
  redis?: RedisTarget;
  secret: string;
  historyTurns: number;
  replyBytes: number;
  /** Language of the replies. */
  language: Language;
  maxBodyBytes: number;
  /** Extra time to the first token per KB of context (prefill); 0 or absent: none. */
  prefillMsPerKB?: number;
  /** Listen on these ports (a restarted instance takes its old ones); 0 or absent: any free port. */
  port?: number;
  peerPort?: number;
}

export type ToInstance =
  | { type: 'peers'; peers: { index: number; host: string; port: number }[] }
  | { type: 'stats' }
  /** A hash-ring membership change: use these nodes from now on, then answer `ring-ok`. */
  | { type: 'ring'; nodes: RingNode[] }
  | { type: 'shutdown' };

export type FromInstance =
  | { type: 'ready'; port: number; peerPort?: number }
  | {
      type: 'stats';
      rssBytes: number;
      heapUsedBytes: number;
      cpuMicros: number;
      counters: StoreCounters;
      /** Encoded sizes of the sessions saved; null: none, or not encoded. */
      sessionSizes: SizeCounts | null;
    }
  | { type: 'ring-ok' }
  | { type: 'fatal'; message: string };
