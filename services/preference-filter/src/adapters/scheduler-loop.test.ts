import { randomUUID } from 'node:crypto';
import { ScheduledRepository, type NewScheduledDoc, type ScheduledDoc } from '@notify/stores';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerLoop } from './scheduler-loop.js';

const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify';
const T0 = Date.parse('2025-06-10T12:00:00Z');

let client: MongoClient;
let db: Db;
const run = randomUUID().slice(0, 8);
const created: string[] = [];

async function newStore(label: string): Promise<ScheduledRepository> {
  const collection = `test_scheduler_${run}_${label}`;
  created.push(collection, `${collection}_leases`);
  const store = new ScheduledRepository(db, { collection });
  await store.ensureIndexes();
  return store;
}

function doc(id: string, dueAt: number): NewScheduledDoc {
  return {
    _id: id,
    tenantId: 't',
    dueAt: new Date(dueAt),
    payload: Buffer.from(id),
    key: 't:u',
    headers: {},
    reason: 'scheduled',
  };
}

/** Resolves when `check` holds, polling; fails the test after `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  client = await new MongoClient(MONGODB_URI, { serverSelectionTimeoutMS: 5_000 }).connect();
  db = client.db();
});

afterAll(async () => {
  for (const name of created)
    await db
      .collection(name)
      .drop()
      .catch(() => undefined);
  await client.close();
});

describe('SchedulerLoop', () => {
  it('emits what is due, marks it emitted, and waits for the rest', async () => {
    const store = await newStore('due');
    await store.scheduleMany([doc('now', T0), doc('soon', T0 + 60_000)]);
    let now = T0;
    const emitted: ScheduledDoc[] = [];
    const loop = new SchedulerLoop({
      store,
      clock: () => now,
      pollIntervalMs: 10,
      emit: async (docs) => void emitted.push(...docs),
    });
    loop.start();
    try {
      await eventually(async () => (await store.get('now'))?.state === 'emitted');
      expect(emitted.map((d) => d._id)).toEqual(['now']);
      expect(emitted[0]?.payload).toEqual(Buffer.from('now'));
      now = T0 + 60_000;
      await eventually(async () => (await store.get('soon'))?.state === 'emitted');
      expect(emitted.map((d) => d._id)).toEqual(['now', 'soon']);
    } finally {
      await loop.stop();
    }
  });

  it('retries a failed emit after the lease runs out, on another replica', async () => {
    const store = await newStore('retry');
    await store.scheduleMany([doc('a', T0), doc('b', T0)]);
    let now = T0;
    const errors: unknown[] = [];
    const failing = new SchedulerLoop({
      store,
      owner: 'failing',
      clock: () => now,
      leaseMs: 5_000,
      pollIntervalMs: 10,
      emit: async () => {
        throw new Error('broker down');
      },
      onError: (err) => errors.push(err),
    });
    const emitted: string[] = [];
    const healthy = new SchedulerLoop({
      store,
      owner: 'healthy',
      clock: () => now,
      leaseMs: 5_000,
      pollIntervalMs: 10,
      emit: async (docs) => void emitted.push(...docs.map((d) => d._id)),
    });
    failing.start();
    try {
      await eventually(() => errors.length > 0);
      await failing.stop();
      healthy.start();
      await new Promise((r) => setTimeout(r, 100));
      expect(emitted).toEqual([]); // still leased by the failed replica
      now = T0 + 5_000;
      await eventually(() => emitted.length === 2);
      expect(emitted.sort()).toEqual(['a', 'b']);
      await eventually(async () => (await store.countPending()) === 0);
      expect((errors[0] as Error).message).toBe('broker down');
    } finally {
      await failing.stop();
      await healthy.stop();
    }
  });

  it('retries on the same replica too, once its own lease has run out', async () => {
    const store = await newStore('same');
    await store.schedule(doc('x', T0));
    let now = T0;
    let attempts = 0;
    const loop = new SchedulerLoop({
      store,
      clock: () => now,
      leaseMs: 1_000,
      pollIntervalMs: 10,
      emit: async () => {
        attempts++;
        if (attempts === 1) throw new Error('first emit fails');
      },
      onError: () => undefined,
    });
    loop.start();
    try {
      await eventually(() => attempts === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(attempts).toBe(1);
      now = T0 + 1_000;
      await eventually(async () => (await store.get('x'))?.state === 'emitted');
      expect(attempts).toBe(2);
    } finally {
      await loop.stop();
    }
  });

  it('drains a backlog in consecutive passes without waiting for the poll interval', async () => {
    const store = await newStore('backlog');
    await store.scheduleMany(Array.from({ length: 250 }, (_, i) => doc(`n${i}`, T0 - i)));
    const batches: number[] = [];
    const loop = new SchedulerLoop({
      store,
      clock: () => T0,
      batchSize: 100,
      pollIntervalMs: 60_000,
      emit: async (docs) => void batches.push(docs.length),
    });
    loop.start();
    try {
      await eventually(() => batches.reduce((a, b) => a + b, 0) === 250);
      expect(batches).toEqual([100, 100, 50]);
    } finally {
      await loop.stop();
    }
  });

  it('stops promptly, finishing the pass in flight, and polls no more', async () => {
    const store = await newStore('stop');
    await store.schedule(doc('slow', T0));
    let release: (() => void) | null = null;
    let claims = 0;
    const counting = {
      claimDue: (...args: Parameters<ScheduledRepository['claimDue']>) => {
        claims++;
        return store.claimDue(...args);
      },
      markEmitted: store.markEmitted.bind(store),
    };
    const loop = new SchedulerLoop({
      store: counting,
      clock: () => T0,
      pollIntervalMs: 60_000,
      emit: () => new Promise<void>((r) => (release = r)),
    });
    loop.start();
    expect(loop.running).toBe(true);
    await eventually(() => release !== null); // the pass is inside emit
    const stopping = loop.stop();
    release!();
    await stopping;
    expect(loop.running).toBe(false);
    expect((await store.get('slow'))?.state).toBe('emitted');
    await new Promise((r) => setTimeout(r, 50));
    expect(claims).toBe(1);
  });

  it('runs a single pass on demand', async () => {
    const store = await newStore('once');
    await store.scheduleMany([doc('a', T0), doc('b', T0 + 1)]);
    const loop = new SchedulerLoop({ store, clock: () => T0, emit: async () => undefined });
    expect(await loop.runOnce()).toEqual({ claimed: 1, emitted: 1 });
    expect(await loop.runOnce()).toEqual({ claimed: 0, emitted: 0 });
    const failing = new SchedulerLoop({
      store,
      clock: () => T0 + 1,
      emit: () => Promise.reject(new Error('nope')),
    });
    await expect(failing.runOnce()).rejects.toThrow('nope');
    expect(await store.get('b')).toMatchObject({ state: 'pending', leaseOwner: failing.owner });
  });
});
