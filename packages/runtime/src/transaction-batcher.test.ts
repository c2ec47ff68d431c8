import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mergeSlices, TransactionBatcher, type BatchedCommit, type GroupMembership, type SliceCommit } from './transaction-batcher.js';

const gen1: GroupMembership = { generationId: 1, memberId: 'm' };
const gen2: GroupMembership = { generationId: 2, memberId: 'm' };

const slice = (partition: number, offset: number, values: string[], membership = gen1): SliceCommit<string> => ({
  membership,
  records: values.length,
  topicMessages: [{ topic: 'out', messages: values }],
  offsets: [{ topic: 'in', partition, offset: String(offset) }],
});

/** A commit function whose transactions the test ends by hand. */
function manualCommits() {
  const calls: Array<{ batch: BatchedCommit<string>; end: (err?: Error) => void }> = [];
  const commit = (batch: BatchedCommit<string>) =>
    new Promise<void>((resolve, reject) => calls.push({ batch, end: (err) => (err ? reject(err) : resolve()) }));
  return { calls, commit };
}

const settled = (p: Promise<void>) => p.then(() => 'committed', (err: Error) => `failed: ${err.message}`);

describe('TransactionBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits for every slice being evaluated, then commits them in one transaction', async () => {
    const { calls, commit } = manualCommits();
    const batcher = new TransactionBatcher(commit, { lingerMs: 100 });
    batcher.begin();
    batcher.begin();
    const a = settled(batcher.submit(slice(0, 10, ['a1', 'a2'])));
    expect(calls).toHaveLength(0);
    const b = settled(batcher.submit(slice(1, 7, ['b1'])));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.batch).toEqual({
      membership: gen1,
      records: 3,
      topicMessages: [{ topic: 'out', messages: ['a1', 'a2', 'b1'] }],
      offsets: [
        { topic: 'in', partition: 0, offset: '10' },
        { topic: 'in', partition: 1, offset: '7' },
      ],
    });
    calls[0]!.end();
    expect(await Promise.all([a, b])).toEqual(['committed', 'committed']);
  });

  it('commits a ready slice after lingerMs when another is still being evaluated', async () => {
    const { calls, commit } = manualCommits();
    const batcher = new TransactionBatcher(commit, { lingerMs: 100 });
    batcher.begin();
    batcher.begin();
    const a = settled(batcher.submit(slice(0, 1, ['a'])));
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    calls[0]!.end();
    expect(await a).toBe('committed');
    expect(batcher.pending).toEqual({ queued: 0, evaluating: 1 });
  });

  it('stops waiting for a slice that was abandoned', () => {
    const { calls, commit } = manualCommits();
    const batcher = new TransactionBatcher(commit, { lingerMs: 1_000 });
    batcher.begin();
    batcher.begin();
    void batcher.submit(slice(0, 1, ['a']));
    expect(calls).toHaveLength(0);
    batcher.abandon();
    expect(calls).toHaveLength(1);
  });

  it('queues slices that become ready during a transaction for the next one, and fails only the slices of a failed one', async () => {
    const { calls, commit } = manualCommits();
    const batcher = new TransactionBatcher(commit, { lingerMs: 100 });
    batcher.begin();
    const first = settled(batcher.submit(slice(0, 1, ['a'])));
    batcher.begin();
    batcher.begin();
    const second = settled(batcher.submit(slice(1, 1, ['b'])));
    const third = settled(batcher.submit(slice(2, 1, ['c'])));
    expect(calls).toHaveLength(1);
    calls[0]!.end(new Error('aborted'));
    expect(await first).toBe('failed: aborted');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.batch.topicMessages).toEqual([{ topic: 'out', messages: ['b', 'c'] }]);
    calls[1]!.end();
    expect(await Promise.all([second, third])).toEqual(['committed', 'committed']);
  });

  it('never mixes generations in one transaction', async () => {
    const { calls, commit } = manualCommits();
    const batcher = new TransactionBatcher(commit, { lingerMs: 100 });
    batcher.begin();
    batcher.begin();
    batcher.begin();
    const holdFirst = batcher.submit(slice(0, 1, ['blocker']));
    const old = batcher.submit(slice(1, 5, ['old']));
    const fresh = batcher.submit(slice(2, 9, ['new'], gen2));
    expect(calls.map((c) => c.batch.topicMessages[0]!.messages)).toEqual([['blocker', 'old']]);
    calls[0]!.end();
    await Promise.all([holdFirst, old]);
    expect(calls[1]!.batch.membership).toEqual(gen2);
    expect(calls[1]!.batch.topicMessages[0]!.messages).toEqual(['new']);
    calls[1]!.end();
    await fresh;
  });

  it('reports a commit function that throws to its slices', async () => {
    const batcher = new TransactionBatcher<string>(
      () => {
        throw new Error('no producer');
      },
      { lingerMs: 10 },
    );
    batcher.begin();
    expect(await settled(batcher.submit(slice(0, 1, ['a'])))).toBe('failed: no producer');
  });
});

describe('mergeSlices', () => {
  it('keeps the highest offset of a partition committed by several slices', () => {
    const merged = mergeSlices([slice(0, 10, ['a']), slice(0, 25, ['b']), slice(0, 12, ['c'])]);
    expect(merged.offsets).toEqual([{ topic: 'in', partition: 0, offset: '25' }]);
    expect(merged.records).toBe(3);
  });
});
