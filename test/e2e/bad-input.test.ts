import { Headers } from '@notify/runtime';
import { dlqTopicName, Topics, type NotificationRequest, type NotificationStatusEvent } from '@notify/schemas';
import { ApiKeyRepository, TenantRepository } from '@notify/stores';
import { MongoClient } from 'mongodb';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPipeline, type RunningPipeline, type ServiceName } from '../../scripts/pipeline/launch.js';
import { mapLimit } from '../chaos/map-limit.js';
import { pick as pickFrom, seededRandom } from '../chaos/seeded-random.js';
import { headerText, produce, readTopic, testSerde, waitFor } from '../support/kafka.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';

// Bad input at volume, through the whole running pipeline: 10,000 malformed REST bodies and 10,000
// malformed Kafka records, with good notifications sent in between. No process may crash or restart,
// every body must be refused with a 4xx naming what is wrong, every record must reach the DLQ with its
// reason, and the good notifications must all be delivered.

// Responses are read loosely: each test asserts the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const env = stackEnv();
const tenant = uniqueName('bad-input');
const mongo = new MongoClient(env.MONGODB_URI, { serverSelectionTimeoutMS: 10_000 });
const BODIES = 10_000;
const RECORDS = 10_000;
const GOOD_EVERY = 500; // one good notification per this many bad inputs, on each path
const random = seededRandom(7);
let pipeline: RunningPipeline;
let key = '';

const pick = <T>(items: readonly T[]): T => pickFrom(random, items);
const valid = (): Record<string, unknown> => ({ recipients: ['good'], templateId: 'welcome', category: 'account', channels: ['EMAIL'], data: { name: 'Ada' } });

/** A malformed REST body of one of the kinds a careless or hostile client sends, as the bytes sent. */
function malformedBody(i: number): Buffer {
  const base = valid();
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  switch (i % 8) {
    case 0: // fuzzed JSON: a valid body cut short, or with a byte changed
      return Buffer.from(JSON.stringify(base).slice(0, 1 + Math.floor(random() * 60)));
    case 1: // valid JSON with something after it
      return Buffer.from(`${JSON.stringify(base)}${pick(['}', ',', ']', '{', 'x', '"'])}`);
    case 2: // wrong types
      return json({ ...base, [pick(['recipients', 'templateId', 'category', 'channels', 'data', 'priority', 'expiresAt'])]: pick([true, [[1]], -1.5, { a: { b: 1 } }]) });
    case 3: // oversized fields
      return json({ ...base, [pick(['templateId', 'category', 'idempotencyKey'])]: 'x'.repeat(256 + Math.floor(random() * 2_000)) });
    case 4: // invalid UTF-8 inside a string
      return Buffer.concat([Buffer.from('{"recipients":["'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"],"templateId":"welcome","category":"account"}')]);
    case 5: // too many recipients, or a body over the size limit
      return random() < 0.5
        ? json({ ...base, recipients: Array.from({ length: 1_001 + Math.floor(random() * 100) }, (_, n) => `u${n}`) })
        : json({ ...base, data: { blob: 'y'.repeat(300_000) } });
    case 6: // not an object at all
      return json(pick([[], 'notification', 12, null, [base]]));
    default: // unknown fields and bad values together
      return json({ ...base, colour: 'blue', channels: ['EMAIL', 'FAX'], priority: 'URGENT', scheduledFor: 'tomorrow' });
  }
}

async function api(method: string, route: string, body?: unknown) {
  const res = await fetch(`${pipeline.ingestUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Loose };
}

/** A service's last warnings and errors other than the poison records it is expected to refuse. */
function unexpectedLogLines(service: ServiceName, count = 8): string {
  const file = pipeline.processes.get(service)?.logFile;
  if (!file) return `(no log for ${service})`;
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /"level":"(warn|error|fatal)"/.test(l) && !l.includes('DeserializationError'))
    .slice(-count)
    .map((l) => l.slice(0, 600))
    .join('\n');
}

async function sendGood(): Promise<string> {
  const res = await api('POST', '/v1/notifications', { ...valid(), idempotencyKey: uniqueName('good') });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.notificationIds[0] as string;
}

beforeAll(async () => {
  await mongo.connect();
  const db = mongo.db();
  await new TenantRepository(db).upsert({ tenantId: tenant, name: 'Bad input', defaultLocale: 'en' });
  key = (await new ApiKeyRepository(db).create({ tenantId: tenant, rateLimitPerMinute: 1_000_000 })).key;
  pipeline = await launchPipeline({ stack: env, logDir: path.join(REPO_ROOT, 'reports', 'logs', `bad-input-${Date.now()}`) });
  expect((await api('PUT', '/v1/recipients/good', { email: 'good@example.com', locale: 'en', timezone: 'UTC' })).status).toBe(200);
  expect((await api('POST', '/v1/templates/welcome/versions', { channel: 'EMAIL', locale: 'en', subject: 'Hi {{name}}', body: 'Hello {{name}}' })).status).toBe(201);
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await mongo.close();
}, 120_000);

describe('bad input at volume', () => {
  it('refuses 10,000 malformed REST bodies with a 4xx naming what is wrong, and 10,000 malformed Kafka records go to the DLQ with their reason, while good notifications are delivered', async () => {
    const good: string[] = [];

    // REST: every body refused, 400 naming the failing fields, or 413 for one over the size limit.
    const answers = await mapLimit(
      Array.from({ length: BODIES }, (_, i) => i),
      8,
      async (i) => {
        if (i % GOOD_EVERY === 0) good.push(await sendGood());
        const res = await fetch(`${pipeline.ingestUrl}/v1/notifications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: malformedBody(i),
        });
        const body = (await res.json().catch(() => undefined)) as Loose;
        return { i, status: res.status, body };
      },
    );
    const wrong = answers.filter(({ status, body }) => !(status === 413 || (status === 400 && Array.isArray(body?.error?.fields) && body.error.fields.length > 0)));
    expect(wrong.slice(0, 5), `${wrong.length} bodies not refused as they should be`).toEqual([]);

    // Kafka: garbage, a wrong magic byte, an unknown schema id, Avro of another schema, truncated records.
    const serde = await testSerde([Topics.requests, Topics.status]);
    const request: NotificationRequest = { tenantId: tenant, idempotencyKey: 'x', recipients: ['good'], templateId: 'welcome', category: 'account', channels: ['EMAIL'], priority: 'NORMAL', data: { name: 'Ada' }, scheduledFor: null, expiresAt: null, requestedAt: Date.now(), topics: [], digest: null };
    const encoded = serde.encode(Topics.requests, request);
    const status: NotificationStatusEvent = { notificationId: 'n', tenantId: tenant, userId: 'good', status: 'SENT', stage: 'test', channel: 'EMAIL', provider: 'sendgrid', reason: null, providerMessageId: null, occurredAt: Date.now(), attributes: {} };
    const otherSchema = serde.encode(Topics.status, status);
    const prefix = uniqueName('poison');
    const poison = Array.from({ length: RECORDS }, (_, i) => {
      const kind = i % 5;
      const value =
        kind === 0
          ? Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)))
          : kind === 1
            ? Buffer.concat([Buffer.from([1]), encoded.subarray(1)])
            : kind === 2
              ? Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xf0, 0x00]), encoded.subarray(5)])
              : kind === 3
                ? otherSchema
                : encoded.subarray(0, 5 + Math.floor(random() * (encoded.length - 6)));
      return { key: `${prefix}-${i}`, value };
    });
    for (let i = 0; i < RECORDS; i += GOOD_EVERY) {
      await produce(Topics.requests.name, poison.slice(i, i + GOOD_EVERY));
      const goodRequest = { ...request, idempotencyKey: uniqueName('good-kafka') };
      await produce(Topics.requests.name, [{ key: Topics.requests.keyOf(goodRequest), value: serde.encode(Topics.requests, goodRequest), headers: { [Headers.REQUESTED_AT]: String(Date.now()) } }]);
    }
    const dlq = dlqTopicName(Topics.requests.name);
    let dead: Awaited<ReturnType<typeof readTopic>> = [];
    await waitFor(
      async () => {
        dead = (await readTopic(dlq, RECORDS, { idleMs: 2_000, timeoutMs: 120_000 })).filter((m) => m.key?.toString().startsWith(`${prefix}-`));
        return dead.length >= RECORDS;
      },
      300_000,
      () => `${RECORDS} poison records in ${dlq} (${dead.length} there); the ingest log's last unexpected lines:\n${unexpectedLogLines('ingest')}`,
    );
    expect(new Set(dead.map((m) => m.key!.toString())).size).toBe(RECORDS);
    const withoutReason = dead.filter((m) => !headerText(m, Headers.ERROR_CLASS) || !headerText(m, Headers.ERROR_MESSAGE));
    expect(withoutReason.length).toBe(0);

    // The good ones went through, REST and Kafka alike.
    const sent = mongo.db().collection('deliveries');
    await waitFor(async () => (await sent.countDocuments({ notificationId: { $in: good } })) === good.length, 180_000, 'the good REST notifications delivered');
    const kafkaGood = RECORDS / GOOD_EVERY;
    await waitFor(
      async () => pipeline.emulators.sendgrid.received.filter((r: Loose) => r.body.custom_args?.tenant_id === tenant).length >= good.length + kafkaGood,
      180_000,
      'every good notification at SendGrid',
    );

    // Nothing crashed or restarted.
    for (const [name, p] of pipeline.processes) expect(p.child.exitCode, `${name} exited`).toBeNull();
  }, 20 * 60_000);
});
