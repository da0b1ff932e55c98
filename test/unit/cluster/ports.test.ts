import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../../src/cluster/ports.js';

describe('isLoopback', () => {
  it('takes 127.0.0.0/8 as four octets, ::1 and localhost', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]', 'localhost']) {
      expect(isLoopback(h), h).toBe(true);
    }
  });

  it('refuses anything else before it could reach a name lookup', () => {
    for (const h of ['127.999.999.999', '127.0.0.256', '127.0.0', '10.0.0.1', 'localhost.evil.com', '0.0.0.0', '']) {
      expect(isLoopback(h), h).toBe(false);
    }
  });
});
