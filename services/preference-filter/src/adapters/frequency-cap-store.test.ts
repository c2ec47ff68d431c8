import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapCheck } from '../domain/decide.js';
import type { AppliedCap } from '../domain/frequency-cap.js';
import { FrequencyCapStore, verdictsByNotification, type CapKeyParts } from './frequency-cap-store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const MIN = 60_000;
const T0 = Date.parse('2025-06-10T12:00:00Z');

let redis: Redis;
let store: FrequencyCapStore;
const prefix = `test:fcap:${randomUUID().slice(0, 8)}:`;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  store = new FrequencyCapStore(redis, { keyPrefix: prefix });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** A recipient of its own for each test. */
function recipient(channel: CapKeyParts['channel'] = 'SMS', category = 'billing'): CapKeyParts {
  return { tenantId: 't', userId: `u-${randomUUID().slice(0, 8)}`, category, channel };
}

const smsCap = (max: number, windowMs = 10 * MIN): AppliedCap => ({
  category: '*',
  channel: 'SMS',
  max,
  windowMs,
});

describe('FrequencyCapStore', () => {
  it('records under the cap and refuses at it without recording', async () => {
    const parts = recipient();
    const caps = [smsCap(2)];
    expect(await store.checkAndRecord(parts, caps, T0, 'n1')).toMatchObject({
      allowed: true,
      alreadyRecorded: false,
      counts: [{ count: 0 }],
    });
    expect(await store.checkAndRecord(parts, caps, T0 + 1, 'n2')).toMatchObject({
      allowed: true,
      counts: [{ count: 1 }],
    });
    const refused = await store.checkAndRecord(parts, caps, T0 + 2, 'n3');
    expect(refused).toMatchObject({
      allowed: false,
      alreadyRecorded: false,
      exceeded: { cap: caps[0], count: 2 },
    });
    expect(await redis.zcard(store.counterKey(parts, caps[0]!))).toBe(2);
  });

  it('counts a redelivered notification once and lets it through again', async () => {
    const parts = recipient();
    const caps = [smsCap(1)];
    expect(await store.checkAndRecord(parts, caps, T0, 'n1')).toMatchObject({
      allowed: true,
      alreadyRecorded: false,
    });
    expect(await store.checkAndRecord(parts, caps, T0 + 5, 'n1')).toMatchObject({
      allowed: true,
      alreadyRecorded: true,
      counts: [{ count: 0 }],
    });
    expect(await store.checkAndRecord(parts, caps, T0 + 6, 'n2')).toMatchObject({ allowed: false });
    expect(await redis.zcard(store.counterKey(parts, caps[0]!))).toBe(1);
  });

  it('slides the window: slots free up as old messages leave it, and old entries are trimmed', async () => {
    const parts = recipient();
    const caps = [smsCap(2, 10 * MIN)];
    await store.checkAndRecord(parts, caps, T0, 'a');
    await store.checkAndRecord(parts, caps, T0 + 4 * MIN, 'b');
    expect(await store.checkAndRecord(parts, caps, T0 + 9 * MIN, 'c')).toMatchObject({ allowed: false });
    // At T0 + 10 min, 'a' is exactly one window old: out.
    expect(await store.checkAndRecord(parts, caps, T0 + 10 * MIN, 'c')).toMatchObject({
      allowed: true,
      counts: [{ count: 1 }],
    });
    const key = store.counterKey(parts, caps[0]!);
    expect(await redis.zrange(key, 0, -1)).toEqual(['b|SMS', 'c|SMS']);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(9 * MIN);
    expect(ttl).toBeLessThanOrEqual(10 * MIN);
  });

  it('checks several windows on one counter and reports the cap that refused', async () => {
    const parts = recipient();
    const hourly = smsCap(2, 60 * MIN);
    const daily = smsCap(3, 24 * 60 * MIN);
    const caps = [daily, hourly];
    await store.checkAndRecord(parts, caps, T0, 'a');
    await store.checkAndRecord(parts, caps, T0 + MIN, 'b');
    expect(await store.checkAndRecord(parts, caps, T0 + 2 * MIN, 'c')).toMatchObject({
      allowed: false,
      exceeded: { cap: hourly, count: 2 },
    });
    expect(await store.checkAndRecord(parts, caps, T0 + 61 * MIN, 'c')).toMatchObject({ allowed: true });
    expect(await store.checkAndRecord(parts, caps, T0 + 122 * MIN, 'd')).toMatchObject({
      allowed: false,
      exceeded: { cap: daily, count: 3 },
    });
    // One sorted set serves both windows and keeps the longest.
    expect(await redis.pttl(store.counterKey(parts, daily))).toBeGreaterThan(23 * 60 * MIN);
  });

  it('shares a wildcard counter across channels and categories, one message per channel', async () => {
    const base = recipient('EMAIL');
    const all: AppliedCap = { category: '*', channel: '*', max: 3, windowMs: 10 * MIN };
    const emailOnly: AppliedCap = { category: '*', channel: 'EMAIL', max: 5, windowMs: 10 * MIN };
    const email = { ...base, channel: 'EMAIL' as const };
    const sms = { ...base, channel: 'SMS' as const };
    expect(await store.checkAndRecord(email, [emailOnly, all], T0, 'n1')).toMatchObject({ allowed: true });
    expect(await store.checkAndRecord(sms, [all], T0, 'n1')).toMatchObject({
      allowed: true,
      alreadyRecorded: false,
      counts: [{ count: 1 }],
    });
    expect(await store.checkAndRecord({ ...sms, category: 'security' }, [all], T0 + 1, 'n2')).toMatchObject({
      allowed: true,
    });
    const refused = await store.checkAndRecord(email, [emailOnly, all], T0 + 2, 'n3');
    expect(refused).toMatchObject({
      allowed: false,
      exceeded: { cap: all, count: 3 },
      counts: [{ count: 1 }, { count: 3 }],
    });
    expect(await redis.zcard(store.counterKey(email, emailOnly))).toBe(1);
  });

  it('is atomic under concurrent checks', async () => {
    const parts = recipient();
    const caps = [smsCap(5)];
    const clients = Array.from({ length: 4 }, () => new Redis(REDIS_URL));
    const stores = clients.map((c) => new FrequencyCapStore(c, { keyPrefix: prefix }));
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          stores[i % stores.length]!.checkAndRecord(parts, caps, T0 + i, `n${i}`),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
      expect(await redis.zcard(store.counterKey(parts, caps[0]!))).toBe(5);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  it('checks a batch in one round trip, in order, idempotently', async () => {
    const { tenantId, userId } = recipient();
    const caps = [smsCap(3)];
    const checks: CapCheck[] = Array.from({ length: 5 }, (_, i) => ({
      notificationId: `n${i}`,
      tenantId,
      userId,
      category: 'billing',
      channel: 'SMS',
      caps,
    }));
    checks.splice(2, 0, {
      notificationId: 'uncapped',
      tenantId,
      userId,
      category: 'billing',
      channel: 'PUSH',
      caps: [],
    });
    const first = await store.checkAndRecordMany(checks, T0);
    expect(first.map((r) => [r.notificationId, r.allowed])).toEqual([
      ['n0', true],
      ['n1', true],
      ['uncapped', true],
      ['n2', true],
      ['n3', false],
      ['n4', false],
    ]);
    const again = await store.checkAndRecordMany(checks, T0 + 1);
    expect(again.map((r) => r.allowed)).toEqual(first.map((r) => r.allowed));
    expect(again.filter((r) => r.alreadyRecorded).map((r) => r.notificationId)).toEqual(['n0', 'n1', 'n2']);
    expect(await store.checkAndRecordMany([], T0)).toEqual([]);
  });

  it('groups results per notification for the decision', async () => {
    const parts = recipient();
    const results = await store.checkAndRecordMany(
      [
        { ...parts, notificationId: 'x', caps: [smsCap(1)] },
        { ...parts, notificationId: 'y', caps: [smsCap(1)] },
      ],
      T0,
    );
    const grouped = verdictsByNotification(results);
    expect(grouped.get('x')?.SMS?.allowed).toBe(true);
    expect(grouped.get('y')?.SMS?.allowed).toBe(false);
  });

  it('reports an unreachable Redis as a transient dependency failure', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const unreachable = new FrequencyCapStore(dead);
    await expect(unreachable.checkAndRecord(recipient(), [smsCap(1)], T0, 'n')).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      canRetry: true,
    });
    dead.disconnect();
  });
});
