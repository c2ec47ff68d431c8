import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { openTestDb, openTestRedis } from '../test-support.js';
import { MongoLeases } from './mongo-leases.js';
import { RedisLeases } from './redis-leases.js';

/** One lease backend as the contract sees it: take and release single keys, and let time pass. */
interface Backend {
  take(key: string, owner: string): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
  /** Lets the lease of every key taken so far run out. */
  expireAll(): Promise<void>;
}

const LEASE_MS = 250;

let db: Db;
let closeDb: () => Promise<void>;
let redis: Redis;
let prefix: string;
let closeRedis: () => Promise<void>;

beforeAll(async () => {
  ({ db, close: closeDb } = await openTestDb('leases'));
  ({ redis, prefix, close: closeRedis } = openTestRedis('leases'));
});
afterAll(async () => {
  await closeDb();
  await closeRedis();
});

function mongoBackend(): Backend {
  const leases = MongoLeases.in(db);
  let now = Date.now();
  // Callers that keep no mirror: every take starts from generation 0 and walks past the ones run out.
  const held = new Map<string, number>();
  return {
    take: async (key, owner) => {
      const [taken] = await leases.take([{ key, after: 0 }], owner, new Date(now), LEASE_MS);
      if (taken) held.set(`${key}\u0000${owner}`, taken.generation);
      return taken !== undefined;
    },
    release: async (key, owner) => {
      const generation = held.get(`${key}\u0000${owner}`);
      await leases.release([{ key, generation: generation ?? 0 }], owner);
    },
    expireAll: async () => {
      now += LEASE_MS;
    },
  };
}

function redisBackend(): Backend {
  const leases = new RedisLeases(redis);
  return {
    take: async (key, owner) => {
      const [taken] = await leases.take([`${prefix}${key}`], owner, LEASE_MS);
      if (taken instanceof Error) throw taken;
      return 'taken' in taken!;
    },
    release: async (key, owner) => {
      const [err] = await leases.release([`${prefix}${key}`], owner);
      if (err) throw err;
    },
    expireAll: () => new Promise((resolve) => setTimeout(resolve, LEASE_MS + 50)),
  };
}

describe.each([
  ['MongoLeases', mongoBackend],
  ['RedisLeases', redisBackend],
])('%s', (_name, makeBackend) => {
  it('gives a free key to exactly one of concurrent takers', async () => {
    const backend = makeBackend();
    for (let k = 0; k < 10; k++) {
      const takes = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => backend.take(`free-${k}`, owner)));
      expect(takes.filter(Boolean)).toHaveLength(1);
    }
  });

  it('refuses a held key to others until its lease runs out, then gives it to exactly one', async () => {
    const backend = makeBackend();
    expect(await backend.take('held', 'a')).toBe(true);
    expect(await backend.take('held', 'a')).toBe(true); // its owner holds it still
    expect(await backend.take('held', 'b')).toBe(false);
    await backend.expireAll();
    const takes = await Promise.all(['b', 'c', 'd'].map((owner) => backend.take('held', owner)));
    expect(takes.filter(Boolean)).toHaveLength(1);
    await backend.expireAll();
    // Generations keep advancing: the key is taken again after each lease.
    expect(await backend.take('held', 'e')).toBe(true);
  });

  it('frees a key when its owner releases it, and only then', async () => {
    const backend = makeBackend();
    expect(await backend.take('released', 'a')).toBe(true);
    await backend.release('released', 'b');
    expect(await backend.take('released', 'c')).toBe(false);
    await backend.release('released', 'a');
    expect(await backend.take('released', 'c')).toBe(true);
  });
});
