import { toFailure, ErrorCodes } from '@notify/runtime';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOnce, refusedDuplicates } from './insert-once.js';
import { openCuttingProxy, openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('insert_once'));
});
afterAll(async () => close());

describe('refusedDuplicates', () => {
  const duplicate = (index: number) => ({ index, code: 11000 });

  it('names the documents a unique index refused, as an array or a single write error', () => {
    expect(refusedDuplicates({ writeErrors: [duplicate(0), duplicate(2)] }, 3)).toEqual(new Set([0, 2]));
    expect(refusedDuplicates({ writeErrors: duplicate(1) }, 3)).toEqual(new Set([1]));
    expect(refusedDuplicates({ code: 11000 }, 1)).toEqual(new Set([0]));
  });

  it('throws anything else again, a bulk write error without write errors included', () => {
    const lost = Object.assign(new Error('connection closed'), { name: 'MongoBulkWriteError', writeErrors: [] });
    expect(() => refusedDuplicates(lost, 3)).toThrow(lost);
    expect(() => refusedDuplicates({ writeErrors: [duplicate(0), { index: 1, code: 2 }] }, 2)).toThrow();
    expect(() => refusedDuplicates({ code: 11000 }, 2)).toThrow(); // which one? unknowable
    expect(() => refusedDuplicates(new Error('boom'), 1)).toThrow('boom');
  });
});

describe('insertOnce', () => {
  it('inserts new documents and reports the ones already there', async () => {
    const c = db.collection<{ _id: string; v: number }>('once');
    expect(await insertOnce(c, [{ _id: 'a', v: 1 }])).toEqual([true]);
    expect(await insertOnce(c, [{ _id: 'a', v: 2 }, { _id: 'b', v: 2 }, { _id: 'b', v: 3 }])).toEqual([false, true, false]);
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 'a', v: 1 }, { _id: 'b', v: 2 }]);
  });

  it('fails, as an unavailable store, when the connection is lost mid-insert: never "inserted"', async () => {
    const proxy = await openCuttingProxy('insert');
    const client = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    try {
      const c = client.db(db.databaseName).collection<{ _id: string }>('cut');
      for (const docs of [[{ _id: 'x' }], [{ _id: 'y' }, { _id: 'z' }]]) {
        const err = await insertOnce(c, docs).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, `insert of ${docs.length} reported as done`).toBeInstanceOf(Error);
        expect(toFailure(err).code).toBe(ErrorCodes.DEPENDENCY_UNAVAILABLE);
      }
      expect(proxy.cuts()).toBeGreaterThanOrEqual(2);
      expect(await db.collection('cut').countDocuments()).toBe(0);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
