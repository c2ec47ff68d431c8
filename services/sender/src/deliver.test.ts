import { CircuitBreaker } from '@notify/controls';
import { DEFAULT_SENDGRID_API_KEY, startSendGridEmulator } from '@notify/provider-emulators';
import { createLogger, ErrorCodes, toFailure, type RecordContext } from '@notify/runtime';
import { DeliveryRecords } from '@notify/stores';
import { openCuttingProxy } from '@notify/stores/testing';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryLedger } from './delivery-ledger.js';
import { deliver, type DeliverDeps } from './deliver.js';
import { dispatchFixture } from './providers/dispatch.fixture.js';
import { SendGridAdapter } from './providers/sendgrid.js';
import { createSenderMetrics } from './sender-metrics.js';

const prefix = `deliver-test-${Date.now()}-`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:16379', { keyPrefix: prefix });
const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify');
let db: Db;
let sg: Awaited<ReturnType<typeof startSendGridEmulator>>;
let deps: DeliverDeps;

function ctx(attempt = 1): RecordContext {
  return {
    topic: 'notify.dispatch.sendgrid.v1',
    partition: 0,
    offset: '0',
    key: 'acme:u-1',
    headers: {},
    rawValue: null,
    attempt,
    maxAttempts: 3,
    logger: createLogger('test', 'silent'),
    now: Date.now,
  };
}

beforeAll(async () => {
  await mongo.connect();
  db = mongo.db(`deliver_test_${Date.now()}`);
  sg = await startSendGridEmulator({ port: 0 });
});

beforeEach(async () => {
  sg.control.reset();
  sg.clearReceived();
  await redis.del('notify:circuit:sendgrid:failures', 'notify:circuit:sendgrid:open');
  deps = {
    adapter: new SendGridAdapter({ apiKey: DEFAULT_SENDGRID_API_KEY, baseUrl: sg.url, from: { email: 'noreply@example.com' } }),
    ledger: new DeliveryLedger(redis, db, `owner-${Math.random()}`, 30_000),
    breaker: new CircuitBreaker(redis, { failureThreshold: 2, failureWindowMs: 10_000, openMs: 10_000 }),
    metrics: createSenderMetrics(new Registry()),
    timeoutMs: 5_000,
  };
});

afterAll(async () => {
  await sg.stop();
  await db.dropDatabase();
  await mongo.close();
  redis.disconnect();
});

const email = (o: Record<string, unknown> = {}) => dispatchFixture({ channel: 'EMAIL', to: 'ada@example.com', fallbackProviders: ['smtp'], ...o });

describe('deliver (real Redis, MongoDB and SendGrid emulator)', () => {
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
      const storeDown = new DeliveryLedger(redis, cut.db(db.databaseName), `owner-${Math.random()}`, 50);
      const quickRetry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 };
      const failed = await deliver(d, ctx(), { ...deps, ledger: storeDown, ledgerWriteRetry: quickRetry }).catch((err: unknown) => err);
      expect(toFailure(failed).code).toBe(ErrorCodes.DEPENDENCY_UNAVAILABLE);
      await new Promise((r) => setTimeout(r, 100)); // the 50 ms claim has expired
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
