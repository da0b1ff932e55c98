import { describe, expect, it } from 'vitest';
import { crc16, keySlot } from '../../../src/util/crc16.js';

describe('Redis Cluster key slots', () => {
  it('is CRC16/XMODEM', () => {
    // The check value of CRC-16/XMODEM.
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });

  it('matches the slots Redis gives (CLUSTER KEYSLOT)', () => {
    expect(keySlot('a')).toBe(15495);
    expect(keySlot('foo')).toBe(12182);
  });

  it('hashes only a non-empty hash tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('x{}y')).toBe(crc16(Buffer.from('x{}y')) % 16384);
  });
});
