import { describe, expect, it } from 'vitest';
import { PartitionRanges } from './partition-ranges.js';

describe('PartitionRanges', () => {
  it('is done at once when every partition is empty or already covered', async () => {
    const r = new PartitionRanges([
      { topic: 'a', partition: 0, start: 5n, end: 5n },
      { topic: 'a', partition: 1, start: 9n, end: 3n },
    ]);
    expect(r.allDone).toBe(true);
    await r.done;
    expect(r.progress()).toEqual({ done: 0, total: 0 });
  });

  it('tracks each partition to the end captured at start, forward only', async () => {
    const r = new PartitionRanges([
      { topic: 'a', partition: 0, start: 0n, end: 10n },
      { topic: 'a', partition: 1, start: 4n, end: 6n },
    ]);
    expect(r.inRange('a', 0, '9')).toBe(true);
    expect(r.inRange('a', 0, '10')).toBe(false);
    expect(r.inRange('b', 0, '0')).toBe(false);
    expect(r.beforeStart('a', 1, '3')).toBe(true);
    r.advance('a', 0, 7n);
    r.advance('a', 0, 3n);
    expect(r.progress()).toEqual({ done: 7, total: 12 });
    r.advance('a', 0, 25n); // a fetch past the end counts only up to it
    expect(r.isDone('a', 0)).toBe(true);
    expect(r.allDone).toBe(false);
    r.advance('a', 1, '6');
    await r.done;
    expect(r.progress()).toEqual({ done: 12, total: 12 });
  });
});
