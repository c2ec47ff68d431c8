import { describe, expect, it } from 'vitest';
import { mapByKey } from './keyed-concurrency.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapByKey', () => {
  it('returns results in input order', async () => {
    const out = await mapByKey(['a', 'b', 'c', 'd'], (x) => x, 3, async (x, i) => {
      await tick(10 * (4 - i));
      return `${x}${i}`;
    });
    expect(out).toEqual(['a0', 'b1', 'c2', 'd3']);
  });

  it('runs one key in order and different keys at the same time, up to the limit', async () => {
    const items = [
      { k: 'x', n: 1 },
      { k: 'y', n: 2 },
      { k: 'x', n: 3 },
      { k: 'z', n: 4 },
      { k: 'x', n: 5 },
      { k: null, n: 6 },
      { k: null, n: 7 },
    ];
    const order: number[] = [];
    let inFlight = 0;
    let peak = 0;
    await mapByKey(items, (i) => i.k, 3, async (item) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick(item.k === 'x' ? 5 : 20);
      order.push(item.n);
      inFlight--;
    });
    expect(order.filter((n) => [1, 3, 5].includes(n))).toEqual([1, 3, 5]);
    expect(peak).toBe(3);
    expect([...order].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('is sequential with a limit of 1', async () => {
    const order: number[] = [];
    await mapByKey([3, 1, 2], () => null, 1, async (n) => {
      await tick(n * 5);
      order.push(n);
    });
    expect(order).toEqual([3, 1, 2]);
  });

  it('runs unkeyed items independently, never more than the limit at once, and handles an empty list', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapByKey([5, 1, 4, 2, 3], () => null, 2, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(peak).toBe(2);
    expect(await mapByKey([], () => null, 4, async () => 1)).toEqual([]);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapByKey([1, 2], () => null, 4, async (n) => {
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
  });
});
