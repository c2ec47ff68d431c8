import { randomUUID } from 'node:crypto';
import { DependencyUnavailableError, Headers, type HeaderMap, type Output } from '@notify/runtime';
import { Topics, type Notification, type NotificationRequest } from '@notify/schemas';
import {
  IdempotencyRepository,
  NotificationRepository,
  RecipientRepository,
  TemplateRepository,
  TenantRepository,
} from '@notify/stores';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError, MissingReferencesError } from '../domain/accept-notification.js';
import { notificationId } from '../domain/notification-id.js';
import { requestHash } from '../domain/request-hash.js';
import { parseNotificationRequest } from '../domain/request-schema.js';
import { openTestDb, silentLogger } from '../test-support.js';
import { Intake, type StoredAcceptance } from './intake.js';

const TENANT = 'acme';
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ORIGIN = `${Topics.requests.name}/4/120`;

let db: Db;
let close: () => Promise<void>;
let published: Array<{ outputs: Output[]; common: HeaderMap }>;
let failPublish: boolean;
let idempotency: IdempotencyRepository<StoredAcceptance>;
let timeline: NotificationRepository;
let intake: Intake;

beforeAll(async () => {
  ({ db, close } = await openTestDb('intake'));
  await new TenantRepository(db).upsert({ tenantId: TENANT, name: 'Acme', defaultLocale: 'en' });
  const recipients = new RecipientRepository(db);
  for (const userId of ['u1', 'u2'])
    await recipients.upsert({
      tenantId: TENANT,
      userId,
      locale: 'en',
      timezone: 'UTC',
      email: `${userId}@example.com`,
    });
  await new TemplateRepository(db).put({
    tenantId: TENANT,
    templateId: 'welcome',
    channel: 'EMAIL',
    locale: 'en',
    body: 'Hi {{name}}',
  });
  idempotency = new IdempotencyRepository<StoredAcceptance>(db);
  timeline = new NotificationRepository(db);
  intake = new Intake({
    tenants: new TenantRepository(db),
    recipients,
    templates: new TemplateRepository(db),
    idempotency,
    publish: async (outputs, common) => {
      if (failPublish) throw new Error('broker unreachable');
      published.push({ outputs, common });
    },
    timeline,
    logger: silentLogger,
  });
});

afterAll(async () => close());

beforeEach(() => {
  published = [];
  failPublish = false;
});

const restBody = (key: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: key,
  recipients: ['u1', 'u2'],
  templateId: 'welcome',
  category: 'account',
  data: { name: 'Ada' },
  ...extra,
});

const kafkaRequest = (idempotencyKey: string, recipients = ['u1', 'u2']): NotificationRequest => ({
  tenantId: TENANT,
  idempotencyKey,
  recipients,
  templateId: 'welcome',
  category: 'account',
  channels: [],
  priority: 'NORMAL',
  data: {},
  scheduledFor: null,
  expiresAt: null,
  requestedAt: 1_700_000_000_000,
});

describe('Intake, REST', () => {
  it('publishes the notifications and ACCEPTED events under the trace, records the timeline and completes the key', async () => {
    const key = randomUUID();
    const outcome = await intake.acceptRest({
      body: restBody(key),
      tenantId: TENANT,
      traceparent: TRACEPARENT,
    });
    if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${outcome.kind}`);

    expect(published).toHaveLength(1);
    const [{ outputs, common }] = published as [{ outputs: Output[]; common: HeaderMap }];
    expect(common).toEqual({ [Headers.TRACEPARENT]: TRACEPARENT });
    expect(outputs.map((o) => [o.topic.name, o.key])).toEqual([
      [Topics.accepted.name, `${TENANT}:u1`],
      [Topics.accepted.name, `${TENANT}:u2`],
      [Topics.status.name, notificationId(TENANT, key, 'u1')],
      [Topics.status.name, notificationId(TENANT, key, 'u2')],
    ]);

    const doc = await timeline.get(TENANT, notificationId(TENANT, key, 'u1'));
    expect(doc?.status).toBe('ACCEPTED');

    const repeat = await intake.acceptRest({
      body: restBody(key),
      tenantId: TENANT,
      traceparent: TRACEPARENT,
    });
    expect(repeat).toEqual({ kind: 'duplicate', response: expect.objectContaining(outcome.response) });
    expect(published).toHaveLength(1);
  });

  it('leaves the timeline of requests with more recipients than the limit to the status tracker', async () => {
    const writes: string[] = [];
    const small = new Intake({
      tenants: new TenantRepository(db),
      recipients: new RecipientRepository(db),
      templates: new TemplateRepository(db),
      idempotency,
      publish: async () => {},
      timeline: { appendStatuses: async (events) => events.map((e) => writes.push(e.notificationId) > 0) },
      timelineSyncMaxRecipients: 1,
      logger: silentLogger,
    });
    await small.acceptRest({ body: restBody(randomUUID()), tenantId: TENANT, traceparent: TRACEPARENT });
    expect(writes).toEqual([]);
    await small.acceptRest({
      body: restBody(randomUUID(), { recipients: ['u1'] }),
      tenantId: TENANT,
      traceparent: TRACEPARENT,
    });
    expect(writes).toHaveLength(1);
  });

  it('gives the key up when publishing fails, so that a retry is accepted', async () => {
    const key = randomUUID();
    failPublish = true;
    await expect(
      intake.acceptRest({ body: restBody(key), tenantId: TENANT, traceparent: TRACEPARENT }),
    ).rejects.toBeInstanceOf(DependencyUnavailableError);
    failPublish = false;
    const retry = await intake.acceptRest({
      body: restBody(key),
      tenantId: TENANT,
      traceparent: TRACEPARENT,
    });
    expect(retry.kind).toBe('accepted');
    expect(published).toHaveLength(1);
  });

  it('rejects a reused key and unknown references without publishing', async () => {
    const key = randomUUID();
    await intake.acceptRest({ body: restBody(key), tenantId: TENANT, traceparent: TRACEPARENT });
    const reused = await intake.acceptRest({
      body: restBody(key, { category: 'other' }),
      tenantId: TENANT,
      traceparent: TRACEPARENT,
    });
    expect(reused.kind === 'rejected' && reused.error).toBeInstanceOf(IdempotencyKeyReusedError);
    const unknown = await intake.acceptRest({
      body: restBody(randomUUID(), { recipients: ['u1', 'ghost'] }),
      tenantId: TENANT,
      traceparent: TRACEPARENT,
    });
    expect(unknown.kind === 'rejected' && unknown.error).toBeInstanceOf(MissingReferencesError);
    expect(published).toHaveLength(1);
  });

  it('answers in-flight while another caller holds the key for the same request', async () => {
    const key = randomUUID();
    await idempotency.claim(
      TENANT,
      key,
      requestHash(parseNotificationRequest(restBody(key), { now: Date.now(), tenantId: TENANT })),
    );
    const outcome = await intake.acceptRest({
      body: restBody(key),
      tenantId: TENANT,
      traceparent: TRACEPARENT,
    });
    expect(outcome).toEqual({ kind: 'in-flight', tenantId: TENANT, idempotencyKey: key });
    expect(published).toHaveLength(0);
  });
});

describe('Intake, Kafka', () => {
  it('returns the outputs for the transaction and records which record accepted the key', async () => {
    const key = randomUUID();
    const result = await intake.acceptRecord(kafkaRequest(key), ORIGIN);
    if (result.kind !== 'accepted') throw new Error(`expected accepted, got ${result.kind}`);
    const notifications = result.outputs
      .filter((o) => o.topic.name === Topics.accepted.name)
      .map((o) => (o.value as { notification: Notification }).notification);
    expect(notifications.map((n) => [n.notificationId, n.source])).toEqual([
      [notificationId(TENANT, key, 'u1'), 'KAFKA'],
      [notificationId(TENANT, key, 'u2'), 'KAFKA'],
    ]);
    expect(result.outputs.every((o) => o.headers?.[Headers.REQUESTED_AT] === '1700000000000')).toBe(true);
    expect(published).toHaveLength(0);
  });

  it('produces the same outputs again for a redelivery of the record that accepted the key, nothing for another record', async () => {
    const key = randomUUID();
    const first = await intake.acceptRecord(kafkaRequest(key), ORIGIN);
    const redelivered = await intake.acceptRecord(kafkaRequest(key), ORIGIN);
    expect(redelivered).toEqual(first);
    const other = await intake.acceptRecord(kafkaRequest(key), `${Topics.requests.name}/4/121`);
    expect(other).toEqual({ kind: 'duplicate', outputs: [] });
  });

  it('keys a request without an idempotency key by its origin, so a redelivery gets the same ids', async () => {
    const origin = `${Topics.requests.name}/0/${Date.now()}`;
    const first = await intake.acceptRecord(kafkaRequest(''), origin);
    const ids = (r: typeof first) => (r.kind === 'accepted' ? r.outputs.map((o) => o.key) : []);
    expect(ids(first)).toContain(notificationId(TENANT, origin, 'u1'));
    expect(ids(await intake.acceptRecord(kafkaRequest(''), origin))).toEqual(ids(first));
  });

  it('passes rejections and in-flight keys back', async () => {
    const missing = await intake.acceptRecord({ ...kafkaRequest(randomUUID()), tenantId: 'nobody' }, ORIGIN);
    expect(missing.kind === 'rejected' && missing.error).toBeInstanceOf(MissingReferencesError);

    const key = randomUUID();
    await idempotency.claim(
      TENANT,
      key,
      requestHash(parseNotificationRequest(kafkaRequest(key), { now: Date.now() })),
    );
    expect(await intake.acceptRecord(kafkaRequest(key), ORIGIN)).toEqual({
      kind: 'in-flight',
      tenantId: TENANT,
      idempotencyKey: key,
    });
  });
});
