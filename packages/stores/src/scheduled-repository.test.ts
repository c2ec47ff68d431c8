import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduledRepository, type NewScheduledDoc } from './scheduled-repository.js';
import { MONGODB_URI, openCuttingProxy, openTestDb } from './test-support.js';

const T0 = new Date('2025-06-10T12:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let db: Db;
let close: () => Promise<void>;

/** A repository over collections of its own; `on` is the test database through another connection. */
async function newStore(label: string, on: Db = db): Promise<ScheduledRepository> {
  const store = new ScheduledRepository(on, { collection: `scheduled_${label}` });
  await store.ensureIndexes();
  return store;
}

function doc(id: string, dueAt: Date, extra: Partial<NewScheduledDoc> = {}): NewScheduledDoc {
  return {
    _id: id,
    tenantId: 't',
    dueAt,
    payload: Buffer.from([0, 0, 0, 0, 1, 2, 3, id.length]),
    key: 't:u',
    headers: { traceparent: '00-abc-def-01', 'spring.json.header.types': '{}', $weird: 'x' },
    reason: 'scheduled',
    ...extra,
  };
}

beforeAll(async () => {
  ({ db, close } = await openTestDb('scheduled'));
});
afterAll(async () => close());

describe('ScheduledRepository.ensureIndexes', () => {
  it('creates the indexes INDEXES declares for the documents', async () => {
    await newStore('indexes');
    const names = async (collection: string) => (await db.collection(collection).listIndexes().toArray()).map((i) => i.name as string);
    expect(await names('scheduled_indexes')).toContain('scheduled_due_state');
  });
});

describe('ScheduledRepository.schedule', () => {
  it('stores a pending document with its payload as a Buffer', async () => {
    const store = await newStore('store');
    expect(await store.schedule(doc('n1', at(1000)))).toBe('scheduled');
    const stored = await store.get('n1');
    expect(stored).toMatchObject({
      _id: 'n1',
      state: 'pending',
      leaseOwner: null,
      leaseUntil: null,
      dueAt: at(1000),
      key: 't:u',
    });
    expect(Buffer.isBuffer(stored?.payload)).toBe(true);
    expect(stored?.payload).toEqual(doc('n1', at(1000)).payload);
    expect(stored?.headers).toEqual({
      traceparent: '00-abc-def-01',
      'spring.json.header.types': '{}',
      $weird: 'x',
    });
  });

  it('is idempotent by notification id', async () => {
    const store = await newStore('idem');
    expect(await store.schedule(doc('n1', at(1000)))).toBe('scheduled');
    expect(await store.schedule(doc('n1', at(1000), { reason: 'other' }))).toBe('duplicate');
    expect(await store.schedule(doc('n1', at(500)))).toBe('duplicate');
    expect(await store.countPending()).toBe(1);
    expect(await store.get('n1')).toMatchObject({ dueAt: at(1000), reason: 'scheduled' });
  });

  it('re-arms an emitted notification deferred again to a later instant', async () => {
    const store = await newStore('rearm');
    await store.schedule(doc('n1', at(0)));
    const [claimed] = await store.claimDue(at(0), 'a', 30_000, 10);
    expect(claimed?._id).toBe('n1');
    await store.markEmitted(['n1'], 'a');
    expect(await store.schedule(doc('n1', at(0)))).toBe('duplicate');
    expect(await store.schedule(doc('n1', at(60_000), { reason: 'quiet_hours' }))).toBe('rescheduled');
    expect(await store.get('n1')).toMatchObject({
      state: 'pending',
      dueAt: at(60_000),
      reason: 'quiet_hours',
      leaseOwner: null,
    });
    // Still held by a's lease until it runs out, then claimable for the new instant.
    expect(await store.claimDue(at(20_000), 'b', 30_000, 10)).toEqual([]);
    expect((await store.claimDue(at(60_000), 'b', 30_000, 10)).map((d) => d._id)).toEqual(['n1']);
  });

  it('keeps a deferral that arrives while the earlier one is still being emitted', async () => {
    const store = await newStore('race');
    await store.schedule(doc('n1', at(0)));
    await store.claimDue(at(0), 'a', 30_000, 10);
    // The re-emitted record came back and was deferred again before 'a' marked the first emission.
    expect(await store.schedule(doc('n1', at(60_000), { reason: 'quiet_hours' }))).toBe('rescheduled');
    expect(await store.markEmitted(['n1'], 'a')).toBe(0);
    expect(await store.get('n1')).toMatchObject({ state: 'pending', dueAt: at(60_000) });
  });

  it('schedules a batch, telling new from known', async () => {
    const store = await newStore('batch');
    await store.schedule(doc('b', at(0)));
    expect(await store.scheduleMany([doc('a', at(0)), doc('b', at(0)), doc('c', at(0))])).toEqual([
      'scheduled',
      'duplicate',
      'scheduled',
    ]);
    expect(await store.scheduleMany([])).toEqual([]);
  });

  it('fails when the connection is lost mid-insert, rather than reporting the deferrals as stored', async () => {
    const proxy = await openCuttingProxy('insert');
    const cut = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    try {
      const store = await newStore('cut');
      const overCut = new ScheduledRepository(cut.db(db.databaseName), { collection: 'scheduled_cut' });
      await expect(overCut.scheduleMany([doc('lost-1', at(0)), doc('lost-2', at(0))])).rejects.toThrow();
      expect(proxy.cuts()).toBeGreaterThan(0);
      expect(await store.get('lost-1')).toBeNull();
    } finally {
      await cut.close();
      await proxy.close();
    }
  });
});

describe('ScheduledRepository.claimDue', () => {
  it('claims due pending documents, oldest first, up to the limit, with a lease', async () => {
    const store = await newStore('claim');
    await store.scheduleMany([
      doc('late', at(3000)),
      doc('first', at(1000)),
      doc('second', at(2000)),
      doc('future', at(60_000)),
    ]);
    const claimed = await store.claimDue(at(5000), 'a', 10_000, 2);
    expect(claimed.map((d) => d._id)).toEqual(['first', 'second']);
    expect(claimed[0]).toMatchObject({ leaseOwner: 'a', leaseUntil: at(15_000), state: 'pending' });
    expect(Buffer.isBuffer(claimed[0]?.payload)).toBe(true);
    expect(claimed[0]?.headers).toEqual(doc('first', at(1000)).headers);
    expect((await store.claimDue(at(5000), 'b', 10_000, 10)).map((d) => d._id)).toEqual(['late']);
    expect(await store.claimDue(at(5000), 'c', 10_000, 10)).toEqual([]);
  });

  it('never gives one document to two concurrent claimers', async () => {
    const clients = await Promise.all([0, 1].map(() => new MongoClient(MONGODB_URI).connect()));
    try {
      const seed = await newStore('concurrent');
      await seed.scheduleMany(
        Array.from({ length: 200 }, (_, i) => doc(`n${String(i).padStart(3, '0')}`, at(i))),
      );
      const [a, b] = await Promise.all(clients.map((c) => newStore('concurrent', c.db(db.databaseName))));
      // Lockstep rounds: both claimers ask for the same due documents at the same moment, every round, so each
      // round is a real race for the same candidates however the server schedules the two connections.
      const byA: string[] = [];
      const byB: string[] = [];
      for (let rounds = 0; rounds < 100; rounds++) {
        const [gotA, gotB] = await Promise.all([
          a!.claimDue(at(10_000), 'a', 60_000, 5),
          b!.claimDue(at(10_000), 'b', 60_000, 5),
        ]);
        byA.push(...gotA.map((d) => d._id));
        byB.push(...gotB.map((d) => d._id));
        if (gotA.length === 0 && gotB.length === 0) break;
      }
      const all = [...byA, ...byB];
      expect(all).toHaveLength(200);
      expect(new Set(all).size).toBe(200);
      expect(await seed.claimDue(at(10_000), 'c', 60_000, 500)).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('lets another owner claim once the lease has expired', async () => {
    const store = await newStore('expiry');
    await store.scheduleMany([doc('n1', at(0)), doc('n2', at(0))]);
    expect(await store.claimDue(at(0), 'a', 1000, 10)).toHaveLength(2);
    expect(await store.claimDue(at(999), 'b', 1000, 10)).toEqual([]);
    const reclaimed = await store.claimDue(at(1000), 'b', 1000, 10);
    expect(reclaimed.map((d) => [d._id, d.leaseOwner])).toEqual([
      ['n1', 'b'],
      ['n2', 'b'],
    ]);
    // a's late mark does not count: b holds them now.
    expect(await store.markEmitted(['n1', 'n2'], 'a')).toBe(0);
    expect(await store.markEmitted(['n1', 'n2'], 'b')).toBe(2);
    expect(await store.countPending()).toBe(0);
    expect(await store.claimDue(at(10_000), 'c', 1000, 10)).toEqual([]);
  });

  it('skips a lease whose taker died before mirroring it, once it has run out', async () => {
    const store = await newStore('lagging');
    await store.schedule(doc('n1', at(0)));
    // A replica took generation 1 and died before writing it into the document.
    await db.collection('scheduled_lagging_leases').insertOne({
      _id: 'scheduled:n1#1' as never,
      key: 'scheduled:n1',
      generation: 1,
      owner: 'dead',
      until: at(1000),
      expiresAt: at(90_000_000),
    });
    expect(await store.claimDue(at(500), 'b', 1000, 10)).toEqual([]);
    const claimed = await store.claimDue(at(1000), 'b', 1000, 10);
    expect(claimed.map((d) => [d._id, d.leaseOwner, d.leaseGeneration])).toEqual([['n1', 'b', 2]]);
    expect(await store.markEmitted(['n1'], 'dead')).toBe(0);
    expect(await store.markEmitted(['n1'], 'b')).toBe(1);
  });

  it('keeps the lease generation when a document is rescheduled', async () => {
    const store = await newStore('regeneration');
    await store.schedule(doc('n1', at(0)));
    expect((await store.claimDue(at(0), 'a', 1000, 10)).map((d) => d.leaseGeneration)).toEqual([1]);
    expect(await store.schedule(doc('n1', at(5000)))).toBe('rescheduled');
    const again = await store.claimDue(at(5000), 'b', 1000, 10);
    expect(again.map((d) => [d.leaseOwner, d.leaseGeneration])).toEqual([['b', 2]]);
  });

  it('survives a restart: a new store instance sees the pending documents', async () => {
    const first = await newStore('restart');
    await first.scheduleMany([doc('n1', at(0)), doc('n2', at(5000))]);
    await first.claimDue(at(0), 'dead-replica', 1000, 10);
    const otherClient = await new MongoClient(MONGODB_URI).connect();
    try {
      const second = await newStore('restart', otherClient.db(db.databaseName));
      expect(await second.countPending()).toBe(2);
      expect((await second.claimDue(at(5000), 'fresh-replica', 1000, 10)).map((d) => d._id)).toEqual([
        'n1',
        'n2',
      ]);
    } finally {
      await otherClient.close();
    }
  });
});

describe('ScheduledRepository.cancel', () => {
  it('takes pending documents out of every claim, leaves emitted ones, and a repeated schedule does not re-arm them', async () => {
    const store = await newStore('cancel');
    await store.scheduleMany([doc('c1', at(0)), doc('c2', at(0)), doc('sent', at(0))]);
    await store.claimDue(at(0), 'a', 1000, 10);
    await store.markEmitted(['sent'], 'a');
    expect(await store.cancel(['c1', 'c2', 'sent', 'unknown'])).toBe(2);
    expect(await store.get('sent')).toMatchObject({ state: 'emitted' });
    expect(await store.schedule(doc('c1', at(0)))).toBe('duplicate');
    expect(await store.claimDue(at(10_000), 'b', 1000, 10)).toEqual([]);
    expect(await store.purgeEmitted(at(1), 10)).toBe(3);
  });
});

describe('ScheduledRepository.purgeEmitted', () => {
  it('deletes emitted documents older than the cut-off and nothing else', async () => {
    const store = await newStore('purge');
    await store.scheduleMany([doc('old', at(0)), doc('new', at(5000)), doc('pending', at(0))]);
    await store.claimDue(at(5000), 'a', 1000, 10);
    await store.markEmitted(['old', 'new'], 'a');
    expect(await store.purgeEmitted(at(1000), 1)).toBe(1);
    expect(await store.get('old')).toBeNull();
    expect(await store.get('new')).toMatchObject({ state: 'emitted' });
    expect(await store.get('pending')).toMatchObject({ state: 'pending' });
  });
});
