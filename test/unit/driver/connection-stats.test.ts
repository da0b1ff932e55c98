import { describe, expect, it } from 'vitest';
import { ConnectionStats, MEMORY_MIN_OPEN } from '../../../src/driver/transports/stats.js';

const MB = 1024 * 1024;

function openN(s: ConnectionStats, n: number): void {
  for (let i = 0; i < n; i++) s.opened(1);
}

describe('ConnectionStats memory per connection', () => {
  it('gives no figure while fewer than MEMORY_MIN_OPEN connections are open (heap noise)', () => {
    const s = new ConnectionStats('websocket', 4);
    s.sample(100 * MB);
    openN(s, MEMORY_MIN_OPEN - 1);
    s.sample(150 * MB);
    expect(s.result().memoryPerConnectionBytes).toBeNull();
  });

  it('divides the growth since the first sample by the connections open at the most', () => {
    const s = new ConnectionStats('websocket', 4);
    s.sample(100 * MB);
    openN(s, 2000);
    s.sample(100 * MB + 2000 * 20_000);
    // Fewer open later: the figure stays the one taken at the most.
    for (let i = 0; i < 500; i++) s.closed();
    s.sample(300 * MB);
    expect(s.result().memoryPerConnectionBytes).toBe(20_000);
    expect(s.result().openMax).toBe(2000);
  });
});
