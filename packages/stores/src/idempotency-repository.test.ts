import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { ensureIndexes } from './indexes.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { openCuttingProxy, openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('idempotency'));
  await ensureIndexes(db);
});
afterAll(async () => close());

interface Response {
  ids: string[];
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('IdempotencyRepository', () => {
  it('claims a key once, replays the completed response, refuses another request', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    expect(await repo.claim('t1', 'k1', 'h1')).toBe('claimed');
    expect(await repo.claim('t1', 'k1', 'h1')).toBe('in-flight');
    expect(await repo.claim('t1', 'k1', 'other')).toBe('mismatch');
    expect(await repo.claim('t2', 'k1', 'h1')).toBe('claimed'); // keys are per tenant
    await repo.complete('t1', 'k1', { ids: ['a', 'b'] });
    expect(await repo.claim('t1', 'k1', 'h1')).toEqual({ existing: { ids: ['a', 'b'] } });
    expect(await repo.claim('t1', 'k1', 'other')).toBe('mismatch');
  });

  it('lets exactly one of concurrent callers claim', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    const results = await Promise.all(Array.from({ length: 5 }, () => repo.claim('t1', 'race', 'h')));
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'in-flight')).toHaveLength(4);
  });

  it('lets exactly one of concurrent callers take over an abandoned claim', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    for (let round = 0; round < 5; round++) {
      await repo.claim('t1', `abandoned-${round}`, 'h');
      c.advance(1_001);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => repo.claim('t1', `abandoned-${round}`, 'h')),
      );
      expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
      // The winner's claim holds a fresh lease, and can itself be taken over once that passes.
      expect(await repo.claim('t1', `abandoned-${round}`, 'h')).toBe('in-flight');
      c.advance(1_001);
      expect(await repo.claim('t1', `abandoned-${round}`, 'h')).toBe('claimed');
    }
  });

  it('is not stuck when a caller that won a takeover dies before replacing the claim', async () => {
    const c = clock();
    const owner = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    expect(await owner.claim('t1', 'wedged', 'h')).toBe('claimed');
    c.advance(1_001); // the owner died: its lease passes

    // The next caller wins the takeover but loses its connection on the replace (an `update` command).
    const proxy = await openCuttingProxy('update');
    const client = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    try {
      const dying = new IdempotencyRepository<Response>(client.db(db.databaseName), { leaseMs: 1_000, now: c.now });
      await expect(dying.claim('t1', 'wedged', 'h')).rejects.toThrow();
      expect(proxy.cuts()).toBe(1);
    } finally {
      await client.close();
      await proxy.close();
    }

    expect(await owner.claim('t1', 'wedged', 'h')).toBe('in-flight'); // the taker's own lease still runs
    c.advance(1_001);
    const results = await Promise.all(Array.from({ length: 3 }, () => owner.claim('t1', 'wedged', 'h')));
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    await owner.complete('t1', 'wedged', { ids: ['w'] });
    expect(await owner.claim('t1', 'wedged', 'h')).toEqual({ existing: { ids: ['w'] } });
  });

  it('release frees an in-flight key but never a completed one', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    await repo.claim('t1', 'rel', 'h');
    await repo.release('t1', 'rel');
    expect(await repo.claim('t1', 'rel', 'h2')).toBe('claimed');
    await repo.complete('t1', 'rel', { ids: [] });
    await repo.release('t1', 'rel');
    expect(await repo.claim('t1', 'rel', 'h2')).toEqual({ existing: { ids: [] } });
  });

  it('takes over a claim whose lease passed', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    expect(await repo.claim('t1', 'lease', 'h')).toBe('claimed');
    c.advance(500);
    expect(await repo.claim('t1', 'lease', 'h')).toBe('in-flight');
    c.advance(600);
    expect(await repo.claim('t1', 'lease', 'h')).toBe('claimed');
    expect(await repo.claim('t1', 'lease', 'h')).toBe('in-flight');
  });

  it('forgets keys after the retention even before they are swept', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { retentionMs: 10_000, now: c.now });
    await repo.claim('t1', 'old', 'h');
    await repo.complete('t1', 'old', { ids: ['x'] });
    c.advance(10_001);
    expect(await repo.claim('t1', 'old', 'different')).toBe('claimed');
    // The earlier completion, not yet swept, is not this claim's answer, and is replaced by it.
    expect(await repo.claim('t1', 'old', 'different')).toBe('in-flight');
    await repo.complete('t1', 'old', { ids: ['y'] });
    expect(await repo.claim('t1', 'old', 'different')).toEqual({ existing: { ids: ['y'] } });
  });

  it('completes a claim whose lease has passed, and answers with it', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    await repo.claim('t1', 'slow', 'h');
    c.advance(1_500);
    await repo.complete('t1', 'slow', { ids: ['late'] });
    expect(await repo.claim('t1', 'slow', 'h')).toEqual({ existing: { ids: ['late'] } });
  });
});
