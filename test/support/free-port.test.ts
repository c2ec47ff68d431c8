import { describe, expect, it } from 'vitest';
import { freePort } from './service-process.js';

describe('freePort', () => {
  it('never hands out one port twice, even before anyone binds it', async () => {
    // One after the other, so each port is free again when the next is picked: 500 random picks from
    // 7,000 ports would repeat one almost surely.
    const ports: number[] = [];
    for (let i = 0; i < 500; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(27_000);
    }
  });
});
