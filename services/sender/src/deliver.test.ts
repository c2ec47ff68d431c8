import { CircuitBreaker } from '@notify/controls';
import { DEFAULT_SENDGRID_API_KEY, startSendGridEmulator } from '@notify/provider-emulators';
import { createLogger, ErrorCodes, toFailure, type InputRecord, type Output, type RecordContext } from '@notify/runtime';
import { recipientKey, type Dispatch } from '@notify/schemas';
import { DeliveryRecords } from '@notify/stores';
import { openCuttingProxy } from '@notify/stores/testing';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryLedger } from './delivery-ledger.js';
import { deliverSlice, type DeliverDeps, type Result } from './deliver.js';
import { dispatchFixture } from './providers/dispatch.fixture.js';
import { SendGridAdapter } from './providers/sendgrid.js';
import { watchRedisCommands } from './redis-commands.fixture.js';
import { createSenderMetrics } from './sender-metrics.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const prefix = `deliver-test-${Date.now()}-`;
const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify', { monitorCommands: true });
const logger = createLogger('test', 'silent');
let db: Db;
let sg: Awaited<ReturnType<typeof startSendGridEmulator>>;
let deps: DeliverDeps;
let redisCommands: Awaited<ReturnType<typeof watchRedisCommands>>;
let mongoCommands: string[] = [];

function ctx(attempt = 1, key = 'acme:u-1'): RecordContext {
  return {
    topic: 'notify.dispatch.sendgrid.v1',
    partition: 0,
    offset: '0',
    key,
    headers: {},
    rawValue: null,
    attempt,
    maxAttempts: 3,
    logger,
    now: Date.now,
  };
}

const record = (d: Dispatch, attempt = 1): InputRecord<Dispatch> => ({ value: d, context: ctx(attempt, recipientKey(d)) });

/** One dispatch as a slice of one: its outputs, or its failure thrown. */
async function deliver(d: Dispatch, context: RecordContext, using: DeliverDeps): Promise<Output[]> {
  const [result] = await deliverSlice([{ value: d, context }], using);
  if (result instanceof Error) throw result;
  return result!;
}

function outputs(result: Result | undefined): Output[] {
  if (!Array.isArray(result)) throw new Error(`expected outputs, got ${String(result)}`);
  return result;
}

beforeAll(async () => {
  await mongo.connect();
  db = mongo.db(`deliver_test_${Date.now()}`);
  mongo.on('commandStarted', (e) => {
    if (e.databaseName === db.databaseName) mongoCommands.push(`${e.commandName} ${String(e.command[e.commandName])}`);
  });
  sg = await startSendGridEmulator({ port: 0 });
  redisCommands = await watchRedisCommands(REDIS_URL, prefix);
});

beforeEach(async () => {
  sg.control.reset();
  sg.clearReceived();
  await new CircuitBreaker(redis).reset('sendgrid');
  deps = {
    adapter: new SendGridAdapter({ apiKey: DEFAULT_SENDGRID_API_KEY, baseUrl: sg.url, from: { email: 'noreply@example.com' } }),
    ledger: new DeliveryLedger(redis, db, `owner-${Math.random()}`, 30_000),
    breaker: new CircuitBreaker(redis, { failureThreshold: 2, minimumCalls: 1, failureWindowMs: 10_000, openMs: 10_000 }),
    metrics: createSenderMetrics(new Registry()),
    timeoutMs: 5_000,
    concurrency: 4,
    logger,
  };
});

afterAll(async () => {
  await redisCommands.close();
  await sg.stop();
  await db.dropDatabase();
  await mongo.close();
  redis.disconnect();
});

const email = (o: Record<string, unknown> = {}) => dispatchFixture({ channel: 'EMAIL', to: 'ada@example.com', fallbackProviders: ['smtp'], ...o });

describe('deliverSlice, one dispatch at a time (real Redis, MongoDB and SendGrid emulator)', () => {
  it('sends once and reports SENT with the provider message id; a redelivery does not send again', async () => {
    const d = email();
    const first = await deliver(d, ctx(), deps);
    expect(first).toHaveLength(1);
    expect(first[0]!.value).toMatchObject({ status: 'SENT', channel: 'EMAIL', provider: 'sendgrid' });
    const again = await deliver(d, ctx(), deps);
    expect(again[0]!.value).toMatchObject({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } });
    expect(sg.received).toHaveLength(1);
  });

  it('does not send again when the ledger write fails right after the provider accepted (a store restarting)', async () => {
    const d = email();
    const real = deps.ledger;
    let failures = 2;
    const flakyLedger = Object.assign(Object.create(real) as DeliveryLedger, {
      markSent: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:27017');
      },
      recordSent: async (doc: Parameters<DeliveryLedger['recordSent']>[0]) => {
        if (failures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:27017');
        return real.recordSent(doc);
      },
    });
    const downBreaker = Object.assign(Object.create(deps.breaker) as CircuitBreaker, {
      recordSuccess: async () => {
        throw new Error('Redis connection lost');
      },
    });
    const out = await deliver(d, ctx(), { ...deps, ledger: flakyLedger, breaker: downBreaker });
    expect(out[0]!.value).toMatchObject({ status: 'SENT', provider: 'sendgrid' });
    const again = await deliver(d, ctx(), deps);
    expect(again[0]!.value).toMatchObject({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } });
    expect(sg.received).toHaveLength(1);
  });

  it('does not send again when MongoDB stays down past the ledger write and the claim expires', async () => {
    const d = email();
    const proxy = await openCuttingProxy('insert'); // every insert loses its connection
    const cut = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    try {
      const storeDown = new DeliveryLedger(redis, cut.db(db.databaseName), `owner-${Math.random()}`, 1_500);
      const quickRetry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 };
      // The provider has it: SENT, though no durable record could be written.
      const unrecorded = await deliver(d, ctx(), { ...deps, ledger: storeDown, ledgerWriteRetry: quickRetry, timeoutMs: 1_000 });
      expect(unrecorded[0]!.value).toMatchObject({ status: 'SENT', provider: 'sendgrid' });
      expect(await new DeliveryRecords(db).find(d.notificationId, 'EMAIL')).toBeNull();
      await new Promise((r) => setTimeout(r, 1_600)); // the 1.5 s claim has expired; the transaction did not commit
      const again = await deliver(d, ctx(2), deps);
      expect(again[0]!.value).toMatchObject({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } });
      expect(sg.received).toHaveLength(1);
      // The redelivery completed the durable record the failed write left out.
      expect(await new DeliveryRecords(db).find(d.notificationId, 'EMAIL')).toMatchObject({ provider: 'sendgrid' });
    } finally {
      await cut.close();
      await proxy.close();
    }
  });

  it('throws a transient error on 503 and delivers on the retry', async () => {
    const d = email();
    sg.control.failNext(1, 503);
    await expect(deliver(d, ctx(1), deps)).rejects.toMatchObject({ code: ErrorCodes.PROVIDER_UNAVAILABLE, canRetry: true });
    const retried = await deliver(d, ctx(2), deps);
    expect(retried[0]!.value).toMatchObject({ status: 'SENT' });
    expect(sg.received).toHaveLength(1);
  });

  it('throws a permanent error on 400 (to the DLQ, FAILED) without retrying', async () => {
    sg.control.failNext(1, 400);
    await expect(deliver(email(), ctx(), deps)).rejects.toMatchObject({ code: ErrorCodes.PROVIDER_REJECTED, canRetry: false });
  });

  it('fails over to the fallback provider when the circuit opens, and while it is open', async () => {
    sg.control.failNext(10, 503);
    await expect(deliver(email(), ctx(), deps)).rejects.toMatchObject({ canRetry: true });
    const opened = await deliver(email(), ctx(), deps);
    expect(opened.map((o) => o.topic.name)).toEqual(['notify.dispatch.smtp.v1', 'notify.status.v1']);
    expect(opened[0]!.value).toMatchObject({ provider: 'smtp', fallbackProviders: [] });
    expect(opened[1]!.value).toMatchObject({ status: 'ROUTED', provider: 'smtp', attributes: { failoverFrom: 'sendgrid' } });
    const whileOpen = await deliver(email(), ctx(), deps);
    expect(whileOpen[0]!.topic.name).toBe('notify.dispatch.smtp.v1');
    expect(sg.received).toHaveLength(0);
  });

  it('fails over on the last attempt when retries are exhausted', async () => {
    sg.control.failNext(1, 503);
    const out = await deliver(email(), ctx(3), deps);
    expect(out[0]!.topic.name).toBe('notify.dispatch.smtp.v1');
  });

  it('suppresses an expired dispatch without calling the provider', async () => {
    const out = await deliver(email({ expiresAt: Date.now() - 1 }), ctx(), deps);
    expect(out[0]!.value).toMatchObject({ status: 'SUPPRESSED', reason: 'expired' });
    expect(sg.calls).toHaveLength(0);
  });
});

describe('deliverSlice, a slice at a time (real Redis, MongoDB and SendGrid emulator)', () => {
  const slice = (n: number) => Array.from({ length: n }, (_, i) => email({ userId: `u-${i % 3}` }));

  it('sends a slice of fresh dispatches once each, asking each store once per step', async () => {
    const ds = slice(6);
    await redisCommands.take();
    mongoCommands = [];
    const results = await deliverSlice(ds.map((d) => record(d)), deps);
    expect(results.map((r) => outputs(r)[0]!.value)).toEqual(ds.map((d) => expect.objectContaining({ notificationId: d.notificationId, status: 'SENT', provider: 'sendgrid' })));
    expect(sg.received).toHaveLength(6);
    // One find; then each send's durable record as it completes, in writes shared by the sends that
    // complete while one is in flight (how many depends on timing).
    const [find, ...writes] = mongoCommands;
    expect(find).toBe('find deliveries');
    expect(writes.length % 2).toBe(0);
    expect(writes.length / 2).toBeGreaterThanOrEqual(1);
    expect(writes.length / 2).toBeLessThanOrEqual(6);
    for (let i = 0; i < writes.length; i += 2) expect(writes.slice(i, i + 2)).toEqual(['insert deliveries', 'insert provider_messages']);
    // Marks, then the circuit; claims (SET NX and GET) in one pipeline; each send's mark as it completes;
    // the successes counted in one call.
    expect(await redisCommands.take()).toEqual(['mget', 'mget', ...Array(6).fill(['set', 'get']).flat(), ...Array(6).fill('set'), 'eval']);
    const records = await new DeliveryRecords(db).findAll(ds.map((d) => ({ notificationId: d.notificationId, channel: 'EMAIL' as const })));
    expect(records.size).toBe(6);
  });

  it('sends nothing again for a redelivered slice, reading the marks once and completing their records', async () => {
    const ds = slice(4);
    await deliverSlice(ds.map((d) => record(d)), deps);
    sg.clearReceived();
    await redisCommands.take();
    mongoCommands = [];
    const again = await deliverSlice(ds.map((d) => record(d, 2)), deps);
    expect(again.map((r) => outputs(r)[0]!.value)).toEqual(ds.map(() => expect.objectContaining({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } })));
    expect(sg.calls).toHaveLength(0);
    expect(await redisCommands.take()).toEqual(['mget']);
    expect(mongoCommands).toEqual(['insert deliveries', 'insert provider_messages']);
  });

  it('finds deliveries whose Redis mark is gone in MongoDB, with one find', async () => {
    const ds = slice(3);
    await deliverSlice(ds.map((d) => record(d)), deps);
    await redis.del(...ds.map((d) => `notify:delivery:${d.notificationId}:EMAIL`));
    mongoCommands = [];
    const again = await deliverSlice(ds.map((d) => record(d, 2)), deps);
    expect(again.map((r) => outputs(r)[0]!.value)).toEqual(ds.map(() => expect.objectContaining({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } })));
    expect(sg.received).toHaveLength(3);
    expect(mongoCommands).toEqual(['find deliveries']);
  });

  it('sends a dispatch that appears twice in one slice once', async () => {
    const d = email();
    const other = email({ userId: 'u-2' });
    const results = await deliverSlice([record(d), record(other), record(d)], deps);
    expect(outputs(results[0])[0]!.value).toMatchObject({ status: 'SENT', attributes: {} });
    expect(outputs(results[1])[0]!.value).toMatchObject({ status: 'SENT', notificationId: other.notificationId });
    expect(outputs(results[2])[0]!.value).toMatchObject({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } });
    expect(sg.received).toHaveLength(2);
  });

  it('answers for each record of a mixed slice on its own', async () => {
    const sentBefore = email();
    await deliver(sentBefore, ctx(), deps);
    sg.clearReceived();
    const claimedElsewhere = email({ userId: 'u-2' });
    const elsewhere = new DeliveryLedger(redis, db, 'another-sender', 30_000);
    expect(await elsewhere.claim([{ notificationId: claimedElsewhere.notificationId, channel: 'EMAIL' }])).toEqual([{ kind: 'claimed' }]);
    const expired = email({ userId: 'u-3', expiresAt: Date.now() - 1 });
    const fresh = email({ userId: 'u-4' });
    const [a, b, c, e] = await deliverSlice([record(sentBefore), record(claimedElsewhere), record(expired), record(fresh)], deps);
    expect(outputs(a)[0]!.value).toMatchObject({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } });
    expect(b).toBeInstanceOf(Error);
    expect(toFailure(b)).toMatchObject({ code: ErrorCodes.INTERNAL, canRetry: true });
    expect(outputs(c)[0]!.value).toMatchObject({ status: 'SUPPRESSED', reason: 'expired' });
    expect(outputs(e)[0]!.value).toMatchObject({ status: 'SENT', notificationId: fresh.notificationId });
    expect(sg.received).toHaveLength(1);
  });

  it('stops sending when the circuit opens mid-slice, fails the rest over and releases their claims', async () => {
    sg.control.failNext(10, 503);
    const ds = slice(3).map((d, i) => ({ ...d, userId: `solo-${i}` }));
    const noFallback = email({ userId: 'solo-x', fallbackProviders: [] });
    const results = await deliverSlice([...ds, noFallback].map((d) => record(d)), { ...deps, concurrency: 1 });
    expect(sg.calls).toHaveLength(2); // the threshold; nothing after it opened
    expect(toFailure(results[0])).toMatchObject({ code: ErrorCodes.PROVIDER_UNAVAILABLE, canRetry: true });
    expect(outputs(results[1]).map((o) => o.topic.name)).toEqual(['notify.dispatch.smtp.v1', 'notify.status.v1']);
    expect(outputs(results[1])[1]!.value).toMatchObject({ status: 'ROUTED', reason: 'failover from sendgrid: circuit_open' });
    expect(outputs(results[2])[1]!.value).toMatchObject({ status: 'ROUTED', reason: 'failover from sendgrid: circuit_open' });
    expect(toFailure(results[3])).toMatchObject({ code: ErrorCodes.CIRCUIT_OPEN, canRetry: true });
    expect(await redis.mget(...[...ds, noFallback].map((d) => `notify:delivery:${d.notificationId}:EMAIL`))).toEqual([null, null, null, null]);
  });
});
