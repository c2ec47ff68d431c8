import { randomUUID } from 'node:crypto';
import { Headers } from '@notify/runtime';
import {
  Topics,
  dlqTopicName,
  type NotificationAccepted,
  type NotificationRequest,
  type NotificationStatusEvent,
} from '@notify/schemas';
import { ApiKeyRepository, TenantRepository } from '@notify/stores';
import type { KafkaMessage } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationId } from '../../services/ingest/src/domain/notification-id.js';
import { headerText, kafka, readTopic, testSerde, waitFor } from '../support/kafka.js';
import { freePort, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { stackEnv, uniqueName } from '../support/stack-env.js';
import { acquirePipelineLock } from '../../scripts/pipeline/pipeline-lock.js';

// Responses are read loosely: each test asserts the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const env = stackEnv();
const tenant = uniqueName('e2e-ingest');
const otherTenant = uniqueName('e2e-ingest-other');
const keys = { member: '', admin: '', other: '', limited: '' };
const TRACE_ID = randomUUID().replaceAll('-', '');

let ingest: ServiceProcess | undefined;
let base = '';
const mongo = new MongoClient(env.MONGODB_URI, { serverSelectionTimeoutMS: 10_000 });

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  apiKey: string | null = keys.member,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Loose };
}

interface Decoded<T> {
  message: KafkaMessage;
  value: T;
}

/** Every record of a pipeline topic that belongs to this run's tenant, decoded. */
async function tenantRecords<T extends { tenantId: string }>(
  topic: string,
  schema: 'notification-status',
): Promise<Array<Decoded<T>>>;
async function tenantRecords<T extends NotificationAccepted>(
  topic: string,
  schema: 'notification-accepted',
): Promise<Array<Decoded<T>>>;
async function tenantRecords(
  topic: string,
  schema: 'notification-status' | 'notification-accepted',
): Promise<Array<Decoded<unknown>>> {
  const serde = await testSerde([Topics.accepted, Topics.status, Topics.requests]);
  const out: Array<Decoded<unknown>> = [];
  for (const message of await readTopic(topic, 1, { idleMs: 2000 })) {
    try {
      const value = await serde.decode<NotificationStatusEvent | NotificationAccepted>(schema, message.value);
      const owner = 'notification' in value ? value.notification.tenantId : value.tenantId;
      if (owner === tenant) out.push({ message, value });
    } catch {
      // Poison records of other tests.
    }
  }
  return out;
}

const accepted = () => tenantRecords(Topics.accepted.name, 'notification-accepted');
const statuses = () => tenantRecords<NotificationStatusEvent>(Topics.status.name, 'notification-status');

const requestBody = (extra: Record<string, unknown> = {}) => ({
  recipients: ['alice', 'bob'],
  templateId: 'welcome',
  category: 'account',
  data: { name: 'Ada' },
  ...extra,
});

// These services consume the pipeline's global topics: never alongside another launched pipeline.
let releaseLock = () => {};

beforeAll(async () => {
  releaseLock = await acquirePipelineLock(30 * 60_000);
  await mongo.connect();
  const db = mongo.db();
  const tenants = new TenantRepository(db);
  const apiKeys = new ApiKeyRepository(db);
  await tenants.upsert({ tenantId: tenant, name: 'E2E', defaultLocale: 'en' });
  await tenants.upsert({ tenantId: otherTenant, name: 'E2E other', defaultLocale: 'en' });
  keys.member = (await apiKeys.create({ tenantId: tenant })).key;
  keys.admin = (await apiKeys.create({ tenantId: tenant, scopes: ['admin'] })).key;
  keys.other = (await apiKeys.create({ tenantId: otherTenant })).key;
  keys.limited = (await apiKeys.create({ tenantId: tenant, rateLimitPerMinute: 3 })).key;

  const httpPort = await freePort();
  ingest = await startServiceProcess('ingest', 'services/ingest/src/main.ts', {
    HTTP_PORT: String(httpPort),
    INSTANCE_ID: uniqueName('ingest-e2e'),
  });
  await ingest.waitReady(90_000);
  base = `http://127.0.0.1:${httpPort}`;

  for (const userId of ['alice', 'bob']) {
    const res = await call('PUT', `/v1/recipients/${userId}`, {
      email: `${userId}@example.com`,
      locale: 'en-GB',
      timezone: 'Europe/London',
    });
    expect(res.status).toBe(200);
  }
  const template = await call('POST', '/v1/templates/welcome/versions', {
    channel: 'EMAIL',
    locale: 'en',
    subject: 'Welcome',
    body: 'Hello {{name}}',
  });
  expect(template.status).toBe(201);
});

afterAll(async () => {
  if (ingest) {
    ingest.kill('SIGTERM');
    await ingest.exited;
  }
  await mongo.close();
  releaseLock();
});

describe('ingest REST API against the real stack', () => {
  const idempotencyKey = uniqueName('signup');
  let first: Loose;

  it('accepts one request with 202 and publishes one notification and one ACCEPTED event per recipient', async () => {
    const traceparent = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
    const before = Date.now();
    const res = await call('POST', '/v1/notifications', requestBody(), {
      'idempotency-key': idempotencyKey,
      traceparent,
    });
    expect(res.status).toBe(202);
    const ids = ['alice', 'bob'].map((u) => notificationId(tenant, idempotencyKey, u));
    expect(res.body).toEqual({
      status: 'ACCEPTED',
      notificationIds: ids,
      idempotencyKey,
      acceptedAt: expect.any(String),
    });
    first = res;

    const records = (await accepted()).filter((r) => r.value.notification.idempotencyKey === idempotencyKey);
    // Different recipients land on different partitions: no order between them.
    expect(records).toHaveLength(2);
    expect(
      records.map((r) => [
        r.message.key?.toString(),
        r.value.notification.notificationId,
        r.value.notification.source,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [`${tenant}:alice`, ids[0], 'REST'],
        [`${tenant}:bob`, ids[1], 'REST'],
      ]),
    );
    for (const { message } of records) {
      expect(headerText(message, Headers.TRACEPARENT)?.split('-')[1]).toBe(TRACE_ID);
      expect(Number(headerText(message, Headers.REQUESTED_AT))).toBeGreaterThanOrEqual(before);
    }
    const events = (await statuses()).filter((r) => ids.includes(r.value.notificationId));
    expect(events.map((e) => [e.message.key?.toString(), e.value.status, e.value.stage])).toEqual(
      expect.arrayContaining([
        [ids[0], 'ACCEPTED', 'ingest'],
        [ids[1], 'ACCEPTED', 'ingest'],
      ]),
    );
    expect(events).toHaveLength(2);
    expect(events.every((e) => headerText(e.message, Headers.REQUESTED_AT))).toBe(true);
  });

  it('answers a repeat with the same key with the first answer and publishes nothing more', async () => {
    const res = await call('POST', '/v1/notifications', requestBody(), { 'idempotency-key': idempotencyKey });
    expect(res.status).toBe(first.status);
    expect(res.body).toEqual(first.body);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(
      (await accepted()).filter((r) => r.value.notification.idempotencyKey === idempotencyKey),
    ).toHaveLength(2);

    const reused = await call('POST', '/v1/notifications', requestBody({ category: 'other' }), {
      'idempotency-key': idempotencyKey,
    });
    expect(reused.status).toBe(422);
  });

  it('shows the ACCEPTED timeline to its tenant, and 404 to another tenant', async () => {
    const id = first.body.notificationIds[0];
    const res = await call('GET', `/v1/notifications/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      notificationId: id,
      userId: 'alice',
      status: 'ACCEPTED',
      timeline: [{ status: 'ACCEPTED', stage: 'ingest' }],
    });
    const foreign = await call('GET', `/v1/notifications/${id}`, undefined, {}, keys.other);
    expect(foreign.status).toBe(404);
  });

  it('answers 400 naming the invalid fields, 404 naming unknown recipients, 401 without a key', async () => {
    const invalid = await call('POST', '/v1/notifications', { recipients: 'alice', priority: 'ASAP' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields.map((f: { path: string }) => f.path)).toEqual([
      'recipients',
      'templateId',
      'category',
      'priority',
    ]);

    const unknown = await call(
      'POST',
      '/v1/notifications',
      requestBody({ recipients: ['alice', 'ghost-1'] }),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('ghost-1');
    expect(unknown.body.error.missing.userIds).toEqual(['ghost-1']);

    const anonymous = await call('POST', '/v1/notifications', requestBody(), {}, null);
    expect(anonymous.status).toBe(401);
  });

  it('rate-limits a key with 429 and Retry-After', async () => {
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push(await call('GET', '/v1/recipients/alice', undefined, {}, keys.limited));
    expect(results[0]!.status).toBe(200);
    const limited = results.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lets only admin keys read and change runtime controls', async () => {
    expect((await call('GET', '/v1/admin/controls')).status).toBe(403);
    expect(
      (await call('PATCH', '/v1/admin/controls', { providers: { push: { rolloutPercent: 100 } } })).status,
    ).toBe(403);
    const current = await call('GET', '/v1/admin/controls', undefined, {}, keys.admin);
    expect(current.status).toBe(200);
    // Controls are shared by the whole deployment: write back the value in force, changing nothing.
    const rollout = (current.body.rollout.push as number | undefined) ?? 100;
    const patched = await call(
      'PATCH',
      '/v1/admin/controls',
      { providers: { push: { rolloutPercent: rollout } } },
      {},
      keys.admin,
    );
    expect(patched.status).toBe(200);
    expect(patched.body.rollout.push).toBe(rollout);
    const invalid = await call(
      'PATCH',
      '/v1/admin/controls',
      { providers: { push: { rolloutPercent: 101 } } },
      {},
      keys.admin,
    );
    expect(invalid.status).toBe(400);
  });
});

describe('ingest Kafka requests against the real stack', () => {
  it('accepts requests from notify.requests.v1, fanned out to one notification per recipient with deterministic ids', async () => {
    const serde = await testSerde([Topics.requests]);
    const key = uniqueName('kafka-order');
    const request = (idempotencyKey: string, recipients: string[]): NotificationRequest => ({
      tenantId: tenant,
      idempotencyKey,
      recipients,
      templateId: 'welcome',
      category: 'orders',
      channels: ['EMAIL'],
      priority: 'HIGH',
      data: { order: '42' },
      scheduledFor: null,
      expiresAt: null,
      requestedAt: Date.now(),
      topics: [],
      digest: null,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = async (value: NotificationRequest) => {
      const [meta] = await producer.send({
        topic: Topics.requests.name,
        acks: -1,
        messages: [
          {
            key: Topics.requests.keyOf(value),
            value: serde.encode(Topics.requests, value),
            headers: { [Headers.REQUESTED_AT]: String(value.requestedAt) },
          },
        ],
      });
      return `${Topics.requests.name}/${meta!.partition}/${meta!.baseOffset}`;
    };
    await send(request(key, ['alice', 'bob']));
    await send(request(key, ['alice', 'bob'])); // a producer retry: a duplicate
    const keylessOrigin = await send(request('', ['bob']));
    const ghostKey = uniqueName('kafka-ghost');
    await send(request(ghostKey, ['alice', 'ghost-2']));
    await producer.disconnect();

    const expected = [
      notificationId(tenant, key, 'alice'),
      notificationId(tenant, key, 'bob'),
      notificationId(tenant, keylessOrigin, 'bob'),
    ];
    let fromKafka: Array<Decoded<NotificationAccepted>> = [];
    await waitFor(
      async () => {
        fromKafka = (await accepted()).filter((r) => r.value.notification.source === 'KAFKA');
        return expected.every((id) => fromKafka.some((r) => r.value.notification.notificationId === id));
      },
      90_000,
      'Kafka requests to be accepted',
    );
    expect(fromKafka.map((r) => r.value.notification.notificationId).sort()).toEqual([...expected].sort());
    expect(fromKafka.map((r) => r.message.key?.toString())).toEqual(
      expect.arrayContaining([`${tenant}:alice`, `${tenant}:bob`]),
    );

    const ghostIds = ['alice', 'ghost-2'].map((u) => notificationId(tenant, ghostKey, u));
    let events: Array<Decoded<NotificationStatusEvent>> = [];
    await waitFor(
      async () => {
        events = await statuses();
        return ghostIds.every((id) => events.some((e) => e.value.notificationId === id));
      },
      60_000,
      'DEAD_LETTERED events of the request naming an unknown recipient',
    );
    expect(
      events.filter((e) => expected.includes(e.value.notificationId)).map((e) => e.value.status),
    ).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED']);
    expect(
      events
        .filter((e) => ghostIds.includes(e.value.notificationId))
        .map((e) => [e.value.status, e.value.reason]),
    ).toEqual([
      ['DEAD_LETTERED', 'NOT_FOUND: recipients ghost-2 not found'],
      ['DEAD_LETTERED', 'NOT_FOUND: recipients ghost-2 not found'],
    ]);
    const dlq = await readTopic(dlqTopicName(Topics.requests.name), 1, { idleMs: 2000 });
    const serdeAll = await testSerde([Topics.requests]);
    const deadLetters = [];
    for (const m of dlq) {
      const value = await serdeAll
        .decode<NotificationRequest>('notification-request', m.value)
        .catch(() => undefined);
      if (value?.idempotencyKey === ghostKey) deadLetters.push(m);
    }
    expect(deadLetters).toHaveLength(1);
    expect(headerText(deadLetters[0]!, Headers.ERROR_CODE)).toBe('NOT_FOUND');
  });
});
