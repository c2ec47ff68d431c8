import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { Collections } from './documents.js';
import { ensureIndexes } from './indexes.js';
import {
  IdempotencyClaimLostError,
  IdempotencyRepository,
  type ClaimedKey,
  type ClaimResult,
} from './idempotency-repository.js';
import { openCuttingProxy, openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('idempotency'));
  await ensureIndexes(db);
});
afterAll(async () => close());

interface Response {
  ids: string[];
  origin?: string;
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const isClaimed = (r: ClaimResult<Response> | ClaimedKey<Response>) =>
  typeof r === 'object' && 'claimed' in r;

/** Claims a key that must be free, returning the claim id. */
async function claimed(repo: IdempotencyRepository<Response>, tenantId: string, key: string, hash: string) {
  const result = await repo.claim(tenantId, key, hash);
  if (typeof result !== 'object' || !('claimed' in result)) throw new Error(`expected claimed, got ${JSON.stringify(result)}`);
  return result.claimed;
}

/** The commands sent to the idempotency collection while `run` runs. */
async function commandsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const seen = commandsOn(Collections.idempotency);
  const before = seen().length;
  await run();
  return seen().slice(before);
}

describe('IdempotencyRepository', () => {
  it('claims a key once, replays the completed response, refuses another request', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    const claim = await claimed(repo, 't1', 'k1', 'h1');
    expect(await repo.claim('t1', 'k1', 'h1')).toBe('in-flight');
    expect(await repo.claim('t1', 'k1', 'other')).toBe('mismatch');
    expect(isClaimed(await repo.claim('t2', 'k1', 'h1'))).toBe(true); // keys are per tenant
    await repo.complete('t1', 'k1', claim, { ids: ['a', 'b'] });
    expect(await repo.claim('t1', 'k1', 'h1')).toEqual({ existing: { ids: ['a', 'b'] } });
    expect(await repo.claim('t1', 'k1', 'other')).toBe('mismatch');
  });

  it('claims a free key with one insert and completes it with one update', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    let claim = '';
    expect(
      await commandsDuring(async () => {
        claim = await claimed(repo, 't1', 'counted', 'h');
      }),
    ).toEqual(['insert']);
    expect(await commandsDuring(() => repo.complete('t1', 'counted', claim, { ids: ['c'] }))).toEqual(['update']);
    expect(await repo.claim('t1', 'counted', 'h')).toEqual({ existing: { ids: ['c'] } });
  });

  it('lets exactly one of concurrent callers claim', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    const results = await Promise.all(Array.from({ length: 5 }, () => repo.claim('t1', 'race', 'h')));
    expect(results.filter(isClaimed)).toHaveLength(1);
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
      expect(results.filter(isClaimed)).toHaveLength(1);
      expect(results.filter((r) => r === 'in-flight')).toHaveLength(4);
      // The winner's claim holds a fresh lease, and can itself be taken over once that passes.
      expect(await repo.claim('t1', `abandoned-${round}`, 'h')).toBe('in-flight');
      c.advance(1_001);
      expect(isClaimed(await repo.claim('t1', `abandoned-${round}`, 'h'))).toBe(true);
    }
  });

  it('is not stuck past a lease when a caller loses its connection while taking over a claim', async () => {
    const c = clock();
    const owner = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    await claimed(owner, 't1', 'wedged', 'h');
    c.advance(1_001); // the owner died: its lease passes

    // The next caller loses its connection on the conditional replace (an `update` command).
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

    // The lost caller's lease on the takeover holds until it runs out; then exactly one takes the key over.
    expect(await owner.claim('t1', 'wedged', 'h')).toBe('in-flight');
    c.advance(1_001);
    const results = await Promise.all(Array.from({ length: 3 }, () => owner.claim('t1', 'wedged', 'h')));
    const winner = results.find(isClaimed) as { claimed: string };
    expect(results.filter(isClaimed)).toHaveLength(1);
    await owner.complete('t1', 'wedged', winner.claimed, { ids: ['w'] });
    expect(await owner.claim('t1', 'wedged', 'h')).toEqual({ existing: { ids: ['w'] } });
  });

  it('does not let an owner whose claim was taken over complete or release the key', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    const first = await claimed(repo, 't1', 'overtaken', 'h');
    c.advance(1_001);
    const second = await claimed(repo, 't1', 'overtaken', 'h');
    await expect(repo.complete('t1', 'overtaken', first, { ids: ['late'] })).rejects.toBeInstanceOf(
      IdempotencyClaimLostError,
    );
    await repo.release('t1', 'overtaken', first);
    expect(await repo.claim('t1', 'overtaken', 'h')).toBe('in-flight');
    await repo.complete('t1', 'overtaken', second, { ids: ['taker'] });
    expect(await repo.claim('t1', 'overtaken', 'h')).toEqual({ existing: { ids: ['taker'] } });
  });

  it('release frees an in-flight key but never a completed one', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    await repo.release('t1', 'rel', await claimed(repo, 't1', 'rel', 'h'));
    const claim = await claimed(repo, 't1', 'rel', 'h2');
    await repo.complete('t1', 'rel', claim, { ids: [] });
    await repo.release('t1', 'rel', claim);
    expect(await repo.claim('t1', 'rel', 'h2')).toEqual({ existing: { ids: [] } });
  });

  it('takes over a claim whose lease passed', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    await claimed(repo, 't1', 'lease', 'h');
    c.advance(500);
    expect(await repo.claim('t1', 'lease', 'h')).toBe('in-flight');
    c.advance(600);
    expect(await repo.claim('t1', 'lease', 'other')).toBe('mismatch'); // only the same request takes it over
    expect(isClaimed(await repo.claim('t1', 'lease', 'h'))).toBe(true);
    expect(await repo.claim('t1', 'lease', 'h')).toBe('in-flight');
  });

  it('forgets keys after the retention even before they are swept', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { retentionMs: 10_000, now: c.now });
    await repo.complete('t1', 'old', await claimed(repo, 't1', 'old', 'h'), { ids: ['x'] });
    c.advance(10_001);
    const claim = await claimed(repo, 't1', 'old', 'different');
    expect(await repo.claim('t1', 'old', 'different')).toBe('in-flight');
    await repo.complete('t1', 'old', claim, { ids: ['y'] });
    expect(await repo.claim('t1', 'old', 'different')).toEqual({ existing: { ids: ['y'] } });
  });

  it('completes a claim whose lease has passed, and answers with it', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    const claim = await claimed(repo, 't1', 'slow', 'h');
    c.advance(1_500);
    await repo.complete('t1', 'slow', claim, { ids: ['late'] });
    expect(await repo.claim('t1', 'slow', 'h')).toEqual({ existing: { ids: ['late'] } });
  });
  it('answers a key completed the earlier way (response in a document of its own) instead of taking it over', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    const claim = await claimed(repo, 't1', 'earlier-way', 'h');
    const collection = db.collection(Collections.idempotency);
    const id = `t1:earlier-way`;
    const held = await collection.findOne({ _id: id as never });
    await collection.insertOne({ ...held!, _id: `${id}\u0000completed` as never, claimId: claim, state: 'completed', response: { ids: ['kept'] } });
    c.advance(1_500); // the claim's lease has passed, as it had for every key completed that way
    expect(await repo.claim('t1', 'earlier-way', 'h')).toEqual({ existing: { ids: ['kept'] } });
    expect(await repo.recordCompleted([{ tenantId: 't1', key: 'earlier-way', requestHash: 'h', response: { ids: ['new'] } }])).toEqual(['contested']);
  });
});

describe('IdempotencyRepository.recordCompleted', () => {
  const entry = (key: string, hash = 'h', origin = 'requests/0/1') => ({
    tenantId: 't9',
    key,
    requestHash: hash,
    response: { ids: [key], origin },
  });

  it('records new keys completed in one insert, and claim() answers them with their response', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    let results: unknown[] = [];
    const commands = await commandsDuring(async () => {
      results = await repo.recordCompleted([entry('r1'), entry('r2'), entry('r3')]);
    });
    expect(results).toEqual(['recorded', 'recorded', 'recorded']);
    expect(commands).toEqual(['insert']);
    expect(await repo.claim('t9', 'r2', 'h')).toEqual({ existing: { ids: ['r2'], origin: 'requests/0/1' } });
    expect(await repo.claim('t9', 'r2', 'other')).toBe('mismatch');
    expect(await repo.recordCompleted([])).toEqual([]);
  });

  it('looks the keys already there up in one find and says who holds them', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    await repo.recordCompleted([entry('done', 'h', 'requests/0/7')]);
    await claimed(repo, 't9', 'rest', 'h');
    let results: unknown[] = [];
    const commands = await commandsDuring(async () => {
      results = await repo.recordCompleted([entry('done'), entry('fresh'), entry('rest'), entry('done', 'other')]);
    });
    expect(commands).toEqual(['insert', 'find']);
    expect(results).toEqual([
      { held: { state: 'completed', requestHash: 'h', response: { ids: ['done'], origin: 'requests/0/7' } } },
      'recorded',
      { held: { state: 'in-flight', requestHash: 'h' } },
      { held: { state: 'completed', requestHash: 'h', response: { ids: ['done'], origin: 'requests/0/7' } } },
    ]);
    // The key that was recorded is one REST requests see as completed.
    expect(await repo.claim('t9', 'fresh', 'h')).toEqual({ existing: { ids: ['fresh'], origin: 'requests/0/1' } });
  });

  it('leaves expired keys and abandoned claims to claim()', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, retentionMs: 10_000, now: c.now });
    await repo.recordCompleted([entry('expiring')]);
    await claimed(repo, 't9', 'abandoned', 'h');
    c.advance(1_001);
    expect(await repo.recordCompleted([entry('abandoned'), entry('abandoned', 'other')])).toEqual([
      'contested',
      { held: { state: 'in-flight', requestHash: 'h' } }, // another request: refused, as claim() would
    ]);
    c.advance(9_000);
    expect(await repo.recordCompleted([entry('expiring', 'other')])).toEqual(['contested']);
    expect(isClaimed(await repo.claim('t9', 'expiring', 'other'))).toBe(true);
  });

  it('answers a key repeated within one call with the first entry', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    expect(await repo.recordCompleted([entry('twice', 'h', 'a/0/1'), entry('twice', 'h', 'a/0/2')])).toEqual([
      'recorded',
      { held: { state: 'completed', requestHash: 'h', response: { ids: ['twice'], origin: 'a/0/1' } } },
    ]);
  });

  it('throws when the connection is lost during the insert, never reporting keys as recorded', async () => {
    const proxy = await openCuttingProxy('insert');
    const client = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    try {
      const cut = new IdempotencyRepository<Response>(client.db(db.databaseName));
      await expect(cut.recordCompleted([entry('lost-1'), entry('lost-2')])).rejects.toThrow();
      expect(proxy.cuts()).toBe(1);
    } finally {
      await client.close();
      await proxy.close();
    }
    const repo = new IdempotencyRepository<Response>(db);
    expect(await repo.recordCompleted([entry('lost-1'), entry('lost-2')])).toEqual(['recorded', 'recorded']);
  });
});

describe('IdempotencyRepository.claimMany, completeMany, releaseMany', () => {
  const key = (k: string, hash = 'h') => ({ tenantId: 't7', key: k, requestHash: hash });
  const claimIdOf = (result: unknown) => {
    if (typeof result !== 'object' || result === null || !('claimed' in result))
      throw new Error(`expected claimed, got ${JSON.stringify(result)}`);
    return (result as { claimed: string }).claimed;
  };

  it('claims free keys in one insert, completes them in one update, and claim() answers them then', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    let claims: unknown[] = [];
    expect(
      await commandsDuring(async () => {
        claims = await repo.claimMany([key('m1'), key('m2'), key('m3')]);
      }),
    ).toEqual(['insert']);
    const ids = claims.map(claimIdOf);
    expect(new Set(ids).size).toBe(3);
    expect(await repo.claim('t7', 'm2', 'h')).toBe('in-flight');

    let completed: boolean[] = [];
    expect(
      await commandsDuring(async () => {
        completed = await repo.completeMany(
          ['m1', 'm2', 'm3'].map((k, i) => ({
            tenantId: 't7',
            key: k,
            claimId: ids[i]!,
            response: { ids: [k] },
          })),
        );
      }),
    ).toEqual(['update']);
    expect(completed).toEqual([true, true, true]);
    expect(await repo.claim('t7', 'm3', 'h')).toEqual({ existing: { ids: ['m3'] } });
    expect(await repo.claimMany([])).toEqual([]);
    expect(await repo.completeMany([])).toEqual([]);
  });

  it('looks keys already there up in one find and says who holds them', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    await repo.complete('t7', 'h-done', await claimed(repo, 't7', 'h-done', 'h'), { ids: ['done'] });
    await claimed(repo, 't7', 'h-busy', 'h');
    let results: unknown[] = [];
    const commands = await commandsDuring(async () => {
      results = await repo.claimMany([key('h-done'), key('h-new'), key('h-busy', 'other'), key('h-new')]);
    });
    expect(commands).toEqual(['insert', 'find']);
    expect(results[0]).toEqual({
      held: { state: 'completed', requestHash: 'h', response: { ids: ['done'] } },
    });
    claimIdOf(results[1]);
    expect(results[2]).toEqual({ held: { state: 'in-flight', requestHash: 'h' } });
    // A key named twice: the second finds the first one's claim.
    expect(results[3]).toEqual({ held: { state: 'in-flight', requestHash: 'h' } });
  });

  it('leaves expired keys and claims past their lease, whatever their request, to claim()', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, retentionMs: 10_000, now: c.now });
    await repo.recordCompleted([
      { tenantId: 't7', key: 'c-old', requestHash: 'h', response: { ids: ['old'] } },
    ]);
    await claimed(repo, 't7', 'c-stale', 'h');
    c.advance(1_001);
    expect(await repo.claimMany([key('c-stale'), key('c-old')])).toEqual([
      'contested',
      { held: { state: 'completed', requestHash: 'h', response: { ids: ['old'] } } },
    ]);
    expect(await repo.claimMany([key('c-stale', 'other')])).toEqual(['contested']);
    c.advance(9_000);
    expect(await repo.claimMany([key('c-old', 'other')])).toEqual(['contested']);
    expect(isClaimed(await repo.claim('t7', 'c-old', 'other'))).toBe(true);
  });

  it('throws when the connection is lost during the insert, never reporting keys as claimed', async () => {
    const proxy = await openCuttingProxy('insert');
    const client = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    try {
      const cut = new IdempotencyRepository<Response>(client.db(db.databaseName));
      await expect(cut.claimMany([key('cut-1'), key('cut-2')])).rejects.toThrow();
      expect(proxy.cuts()).toBe(1);
    } finally {
      await client.close();
      await proxy.close();
    }
    const repo = new IdempotencyRepository<Response>(db);
    expect((await repo.claimMany([key('cut-1'), key('cut-2')])).every(isClaimed)).toBe(true);
  });

  it('throws when the connection is lost during completion, leaving the claims in flight', async () => {
    const repo = new IdempotencyRepository<Response>(db);
    const [claim] = await repo.claimMany([key('cut-complete')]);
    const proxy = await openCuttingProxy('update');
    const client = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    try {
      const cut = new IdempotencyRepository<Response>(client.db(db.databaseName));
      await expect(
        cut.completeMany([
          { tenantId: 't7', key: 'cut-complete', claimId: claimIdOf(claim), response: { ids: [] } },
        ]),
      ).rejects.toThrow();
      expect(proxy.cuts()).toBe(1);
    } finally {
      await client.close();
      await proxy.close();
    }
    expect(await repo.claim('t7', 'cut-complete', 'h')).toBe('in-flight');
  });

  it('tells which claims were lost with one find more', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    const [kept, lost, gone] = (await repo.claimMany([key('l-kept'), key('l-lost'), key('l-gone')])).map(
      claimIdOf,
    );
    c.advance(1_001);
    expect(isClaimed(await repo.claim('t7', 'l-lost', 'h'))).toBe(true); // taken over
    await repo.release('t7', 'l-gone', gone!);
    let completed: boolean[] = [];
    const commands = await commandsDuring(async () => {
      completed = await repo.completeMany([
        { tenantId: 't7', key: 'l-kept', claimId: kept!, response: { ids: ['kept'] } },
        { tenantId: 't7', key: 'l-lost', claimId: lost!, response: { ids: ['late'] } },
        { tenantId: 't7', key: 'l-gone', claimId: gone!, response: { ids: ['late'] } },
      ]);
    });
    expect(commands).toEqual(['update', 'find']);
    expect(completed).toEqual([true, false, false]);
    expect(await repo.claim('t7', 'l-lost', 'h')).toBe('in-flight');
    expect(await repo.claim('t7', 'l-kept', 'h')).toEqual({ existing: { ids: ['kept'] } });
  });

  it('releases in-flight claims in one delete, never a completed key or another claim of the key', async () => {
    const c = clock();
    const repo = new IdempotencyRepository<Response>(db, { leaseMs: 1_000, now: c.now });
    const [free, done, overtaken] = (await repo.claimMany([key('r-free'), key('r-done'), key('r-over')])).map(
      claimIdOf,
    );
    await repo.complete('t7', 'r-done', done!, { ids: ['done'] });
    c.advance(1_001);
    expect(isClaimed(await repo.claim('t7', 'r-over', 'h'))).toBe(true);
    const commands = await commandsDuring(() =>
      repo.releaseMany([
        { tenantId: 't7', key: 'r-free', claimId: free! },
        { tenantId: 't7', key: 'r-done', claimId: done! },
        { tenantId: 't7', key: 'r-over', claimId: overtaken! },
      ]),
    );
    expect(commands).toEqual(['delete']);
    expect(isClaimed(await repo.claim('t7', 'r-free', 'h'))).toBe(true);
    expect(await repo.claim('t7', 'r-done', 'h')).toEqual({ existing: { ids: ['done'] } });
    expect(await repo.claim('t7', 'r-over', 'h')).toBe('in-flight');
    await repo.releaseMany([]);
  });
});
