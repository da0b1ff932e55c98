/**
 * A session store in the instance's own memory: the building block of `memory`, `sticky` and
 * `replication`. Versions are plain counters; there is no compare-and-set (one process, one owner).
 */
import { Lru } from './lru.js';
import { type StoreCounters, emptyCounters } from '../results/schema.js';
import type { LoadHint, Session, SessionStore, TurnRecord } from './types.js';

export class LocalStore implements SessionStore {
  protected readonly sessions: Lru<Session>;
  protected readonly stats: StoreCounters = emptyCounters();

  constructor(capacity: number) {
    this.sessions = new Lru(capacity);
  }

  async load(id: string, _hint: LoadHint): Promise<Session | undefined> {
    const s = this.sessions.get(id);
    if (s) this.stats.localHits++;
    return s;
  }

  async save(id: string, baseVersion: number, turns: readonly TurnRecord[]): Promise<number> {
    const version = baseVersion + 1;
    this.sessions.set(id, { version, turns });
    return version;
  }

  async touch(id: string): Promise<void> {
    this.sessions.get(id);
  }

  async destroy(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  counters(): StoreCounters {
    return { ...this.stats };
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }
}
