import { describe, expect, it } from 'vitest';
import { WriteCoalescer } from './write-coalescer.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('WriteCoalescer', () => {
  it('writes at once when idle and sends everything submitted meanwhile in the next write', async () => {
    const writes: number[][] = [];
    const gates = [deferred(), deferred()];
    const coalescer = new WriteCoalescer<number>((items) => {
      writes.push(items);
      return gates[writes.length - 1]!.promise;
    });
    const first = coalescer.submit([1]);
    const second = coalescer.submit([2, 3]);
    const third = coalescer.submit([4]);
    expect(writes).toEqual([[1]]);
    gates[0]!.resolve();
    await first;
    await Promise.resolve();
    expect(writes).toEqual([[1], [2, 3, 4]]);
    gates[1]!.resolve();
    await Promise.all([second, third]);
  });

  it('fails exactly the callers whose write failed, and keeps going', async () => {
    let calls = 0;
    const coalescer = new WriteCoalescer<string>(async (items) => {
      calls += 1;
      if (items.includes('bad')) throw new Error('write refused');
    });
    const results = await Promise.allSettled([coalescer.submit(['bad']), coalescer.submit(['a']), coalescer.submit(['b'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(calls).toBe(2);
  });

  it('turns a write that throws synchronously into a rejection', async () => {
    const coalescer = new WriteCoalescer<number>(() => {
      throw new Error('sync');
    });
    await expect(coalescer.submit([1])).rejects.toThrow('sync');
    await expect(coalescer.submit([2])).rejects.toThrow('sync');
  });

  it('resolves an empty submission without writing', async () => {
    let calls = 0;
    const coalescer = new WriteCoalescer<number>(async () => void (calls += 1));
    await coalescer.submit([]);
    expect(calls).toBe(0);
  });

  it('with a budget, carries callers only while the write stays within it, and a caller too large alone', async () => {
    const writes: number[][] = [];
    const coalescer = new WriteCoalescer<number>(
      async (items) => {
        writes.push(items);
        if (items.reduce((a, b) => a + b, 0) > 10) throw new Error('too large');
      },
      { weigh: (n) => n, max: 10 },
    );
    const results = await Promise.allSettled([coalescer.submit([1]), coalescer.submit([4, 4]), coalescer.submit([3]), coalescer.submit([20]), coalescer.submit([2])]);
    // [1] goes at once; then [4, 4] and [3] would make 11, [3] and [20] 23: each waits for the next write.
    expect(writes).toEqual([[1], [4, 4], [3], [20], [2]]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });
});
