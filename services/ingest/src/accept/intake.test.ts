import { randomUUID } from 'node:crypto';
import {
  createLogger,
  DependencyUnavailableError,
  Headers,
  type HeaderMap,
  type Output,
} from '@notify/runtime';
import { Topics, type Notification, type NotificationRequest } from '@notify/schemas';
import {
  Collections,
  createRecipientCache,
  createTemplateCache,
  IdempotencyRepository,
  NotificationRepository,
  RecipientRepository,
  TemplateRepository,
  TenantRepository,
} from '@notify/stores';
import { openCuttingProxy } from '@notify/stores/testing';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdempotencyKeyReusedError, type AcceptOutcome } from '../domain/accept-notification.js';
import type { Settled } from '../domain/accept-records.js';
import type { StoredAcceptance } from '../domain/idempotency.js';
import { notificationId } from '../domain/notification-id.js';
import { MissingReferencesError } from '../domain/references.js';
import { requestHash } from '../domain/request-hash.js';
import { parseNotificationRequest } from '../domain/request-schema.js';
import { openTestDb, openTestRedis, silentLogger } from '../test-support.js';
import { Intake, type IntakeDependencies, type RecordAcceptance } from './intake.js';
import { KnownTenants } from './known-tenants.js';
import { templateCatalog } from './template-catalog.js';

const TENANT = 'acme';
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ORIGIN = `${Topics.requests.name}/4/120`;

let db: Db;
let commandsDuring: (run: () => Promise<unknown>) => Promise<string[]>;
let close: () => Promise<void>;
const testRedis = openTestRedis('intake');
let published: Array<{ outputs: Output[]; common: HeaderMap }>;
let failPublish: boolean;
let idempotency: IdempotencyRepository<StoredAcceptance>;
let timeline: NotificationRepository;
let deps: IntakeDependencies;
let intake: Intake;

/** Stores as main.ts wires them: tenants remembered in memory, recipients and templates cached in Redis. */
function cachedStores(label: string): Pick<IntakeDependencies, 'tenants' | 'recipients' | 'templates'> {
  const prefix = `${testRedis.prefix}${label}:`;
  return {
    tenants: new KnownTenants(new TenantRepository(db), { ttlMs: 60_000 }),
    recipients: new RecipientRepository(db, {
      cache: createRecipientCache(testRedis.redis, { prefix: `${prefix}recipient:` }),
    }),
    templates: templateCatalog(
      new TemplateRepository(db, {
        cache: createTemplateCache(testRedis.redis, { prefix: `${prefix}template:` }),
      }),
    ),
  };
}

beforeAll(async () => {
  ({ db, commandsDuring, close } = await openTestDb('intake'));
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
  deps = {
    ...cachedStores('shared'),
    idempotency,
    publish: async (outputs, common) => {
      if (failPublish) throw new Error('broker unreachable');
      published.push({ outputs, common });
    },
    timeline,
    logger: silentLogger,
  };
  intake = new Intake(deps);
});

afterAll(async () => {
  await close();
  await testRedis.close();
});

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
  topics: [],
  digest: null,
});

/** One record's acceptance, through the slice path. */
async function acceptRecord(body: NotificationRequest, origin: string): Promise<RecordAcceptance> {
  const [result] = await intake.acceptRecords([{ body, origin }]);
  if (result instanceof Error || result === undefined) throw result ?? new Error('no result');
  return result;
}

const rest = (body: unknown, via = intake) =>
  via.acceptRest({ body, tenantId: TENANT, traceparent: TRACEPARENT });

const restBatch = (bodies: unknown[], via = intake) =>
  via.acceptRestBatch({ bodies, tenantId: TENANT, traceparent: TRACEPARENT });

const kinds = (outcomes: ReadonlyArray<Settled<AcceptOutcome>>) =>
  outcomes.map((o) => (o instanceof Error ? o.constructor.name : o.kind));

const notificationIdsOf = (outcome: Settled<AcceptOutcome> | undefined) =>
  outcome && !(outcome instanceof Error) && (outcome.kind === 'accepted' || outcome.kind === 'duplicate')
    ? outcome.response.notifications.map((n) => n.notificationId)
    : [];

describe('Intake, REST', () => {
  it('publishes the notifications and ACCEPTED events under the trace, records the timeline and completes the key', async () => {
    const key = randomUUID();
    const outcome = await rest(restBody(key));
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

    const id = notificationId(TENANT, key, 'u1');
    expect((await timeline.get(TENANT, id))?.status).toBe('ACCEPTED');
    // The summary is the status tracker's to create, when it records the same event.
    expect(await db.collection(Collections.notifications).findOne({ _id: id as never })).toBeNull();

    const repeat = await rest(restBody(key));
    expect(repeat).toEqual({ kind: 'duplicate', response: expect.objectContaining(outcome.response) });
    expect(published).toHaveLength(1);
  });

  it('takes three MongoDB commands per request once the caches are warm: claim, timeline, completion', async () => {
    const warm = new Intake({ ...deps, ...cachedStores('counted') });
    expect((await rest(restBody(randomUUID()), warm)).kind).toBe('accepted');
    const commands = await commandsDuring(async () => {
      expect((await rest(restBody(randomUUID()), warm)).kind).toBe('accepted');
    });
    expect(commands).toEqual([
      `insert ${Collections.idempotency}`,
      `insert ${Collections.notificationEvents}`,
      `update ${Collections.idempotency}`,
    ]);
  });

  it('leaves the timeline of requests with more recipients than the limit to the status tracker', async () => {
    const writes: string[] = [];
    const small = new Intake({
      ...deps,
      publish: async () => {},
      timeline: { appendEvents: async (events) => events.map((e) => writes.push(e.notificationId) > 0) },
      timelineSyncMaxRecipients: 1,
    });
    await rest(restBody(randomUUID()), small);
    expect(writes).toEqual([]);
    await rest(restBody(randomUUID(), { recipients: ['u1'] }), small);
    expect(writes).toHaveLength(1);
  });

  it('gives the key up when publishing fails, so that a retry is accepted', async () => {
    const key = randomUUID();
    failPublish = true;
    await expect(rest(restBody(key))).rejects.toBeInstanceOf(DependencyUnavailableError);
    failPublish = false;
    expect((await rest(restBody(key))).kind).toBe('accepted');
    expect(published).toHaveLength(1);
  });

  it('rejects a reused key and unknown references without publishing', async () => {
    const key = randomUUID();
    await rest(restBody(key));
    const reused = await rest(restBody(key, { category: 'other' }));
    expect(reused.kind === 'rejected' && reused.error).toBeInstanceOf(IdempotencyKeyReusedError);
    const unknown = await rest(restBody(randomUUID(), { recipients: ['u1', 'ghost'] }));
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
    expect(await rest(restBody(key))).toEqual({ kind: 'in-flight', tenantId: TENANT, idempotencyKey: key });
    expect(published).toHaveLength(0);
  });
});

describe('Intake, REST batch', () => {
  it('takes three MongoDB commands for a batch of 50 once the caches are warm, and two to answer it again', async () => {
    const warm = new Intake({ ...deps, ...cachedStores('batch') });
    await restBatch([restBody(randomUUID())], warm);
    published = [];
    const bodies = Array.from({ length: 50 }, () => restBody(randomUUID()));

    let outcomes: Array<Settled<AcceptOutcome>> = [];
    const fresh = await commandsDuring(async () => {
      outcomes = await restBatch(bodies, warm);
    });
    expect(fresh).toEqual([
      `insert ${Collections.idempotency}`,
      `insert ${Collections.notificationEvents}`,
      `update ${Collections.idempotency}`,
    ]);
    expect(kinds(outcomes)).toEqual(Array(50).fill('accepted'));
    expect(published).toHaveLength(1);
    expect(published[0]!.common).toEqual({ [Headers.TRACEPARENT]: TRACEPARENT });
    expect(published[0]!.outputs).toHaveLength(50 * 4);
    const ids = notificationIdsOf(outcomes[49]);
    expect(ids).toEqual(['u1', 'u2'].map((u) => notificationId(TENANT, bodies[49]!.idempotencyKey, u)));
    expect((await timeline.get(TENANT, ids[0]!))?.status).toBe('ACCEPTED');

    let again: Array<Settled<AcceptOutcome>> = [];
    const repeated = await commandsDuring(async () => {
      again = await restBatch(bodies, warm);
    });
    expect(repeated).toEqual([`insert ${Collections.idempotency}`, `find ${Collections.idempotency}`]);
    expect(kinds(again)).toEqual(Array(50).fill('duplicate'));
    expect(again.map(notificationIdsOf)).toEqual(outcomes.map(notificationIdsOf));
    expect(published).toHaveLength(1);
  });

  it('answers every item as it would be answered alone, repeats of a key within the batch included', async () => {
    const done = randomUUID();
    await rest(restBody(done));
    const busy = randomUUID();
    await idempotency.claim(
      TENANT,
      busy,
      requestHash(parseNotificationRequest(restBody(busy), { now: Date.now(), tenantId: TENANT })),
    );
    published = [];
    const fresh = randomUUID();
    const outcomes = await restBatch([
      restBody(fresh),
      restBody(done),
      restBody(busy),
      restBody(done, { category: 'other' }),
      restBody(fresh),
      restBody(fresh, { category: 'other' }),
      restBody(randomUUID(), { recipients: ['u1', 'ghost'] }),
      { recipients: [] },
    ]);
    expect(kinds(outcomes)).toEqual([
      'accepted',
      'duplicate',
      'in-flight',
      'rejected',
      'duplicate',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(notificationIdsOf(outcomes[4])).toEqual(notificationIdsOf(outcomes[0]));
    const errorOf = (i: number) => (outcomes[i] as Extract<AcceptOutcome, { kind: 'rejected' }>).error;
    expect(errorOf(3)).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(errorOf(5)).toBeInstanceOf(IdempotencyKeyReusedError);
    expect((errorOf(6) as MissingReferencesError).missing).toEqual({ userIds: ['ghost'] });
    expect(published).toHaveLength(1);
    expect(published[0]!.outputs).toHaveLength(4);
    expect((await rest(restBody(fresh))).kind).toBe('duplicate');
  });

  it('gives every claim up in one delete when publishing fails, so that a retry is accepted', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    failPublish = true;
    let outcomes: Array<Settled<AcceptOutcome>> = [];
    const commands = await commandsDuring(async () => {
      outcomes = await restBatch([restBody(a), restBody(b), restBody(a), { recipients: [] }]);
    });
    expect(commands).toEqual([`insert ${Collections.idempotency}`, `delete ${Collections.idempotency}`]);
    expect(kinds(outcomes)).toEqual([
      'DependencyUnavailableError',
      'DependencyUnavailableError',
      'DependencyUnavailableError',
      'rejected',
    ]);

    failPublish = false;
    expect(kinds(await restBatch([restBody(a), restBody(b), restBody(a)]))).toEqual([
      'accepted',
      'accepted',
      'duplicate',
    ]);
    expect(published).toHaveLength(1);
  });

  it('records the ACCEPTED events of the requests with few recipients only, in one write', async () => {
    const limited = new Intake({ ...deps, timelineSyncMaxRecipients: 1 });
    const [small, large] = [randomUUID(), randomUUID()];
    let outcomes: Array<Settled<AcceptOutcome>> = [];
    const commands = await commandsDuring(async () => {
      outcomes = await restBatch([restBody(small, { recipients: ['u1'] }), restBody(large)], limited);
    });
    expect(commands.filter((c) => c.endsWith(Collections.notificationEvents))).toEqual([
      `insert ${Collections.notificationEvents}`,
    ]);
    expect((await timeline.get(TENANT, notificationIdsOf(outcomes[0])[0]!))?.status).toBe('ACCEPTED');
    expect(await timeline.get(TENANT, notificationIdsOf(outcomes[1])[0]!)).toBeNull();

    const none = await commandsDuring(() => restBatch([restBody(randomUUID())], limited));
    expect(none).toEqual([`insert ${Collections.idempotency}`, `update ${Collections.idempotency}`]);
  });

  it('answers the items accepted and logs it when completing their keys fails after publishing', async () => {
    const proxy = await openCuttingProxy('update');
    const client = await new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    const logger = createLogger('ingest-test', 'silent');
    const errors = vi.spyOn(logger, 'error');
    const [a, b] = [randomUUID(), randomUUID()];
    try {
      const cut = new Intake({
        ...deps,
        idempotency: new IdempotencyRepository<StoredAcceptance>(client.db(db.databaseName)),
        logger,
      });
      const outcomes = await restBatch([restBody(a), restBody(b), restBody(a)], cut);
      expect(proxy.cuts()).toBe(1);
      expect(kinds(outcomes)).toEqual(['accepted', 'accepted', 'in-flight']);
    } finally {
      await client.close();
      await proxy.close();
    }
    expect(published).toHaveLength(1);
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ tenantId: TENANT, idempotencyKeys: [a, b] }),
      'accepted, but their idempotency keys could not be completed',
    );
    // Until the claims' leases pass, a repeat is told the request is in flight.
    expect((await rest(restBody(a))).kind).toBe('in-flight');
  });

  it('takes over a claim abandoned by its owner through claim(), and completes it with the others', async () => {
    let now = Date.now();
    const leased = new IdempotencyRepository<StoredAcceptance>(db, { leaseMs: 1_000, now: () => now });
    const late = new Intake({ ...deps, idempotency: leased, now: () => now });
    const [abandoned, fresh] = [randomUUID(), randomUUID()];
    await leased.claim(
      TENANT,
      abandoned,
      requestHash(parseNotificationRequest(restBody(abandoned), { now, tenantId: TENANT })),
    );
    now += 1_001;
    const outcomes = await restBatch([restBody(abandoned), restBody(fresh), restBody(abandoned)], late);
    expect(kinds(outcomes)).toEqual(['accepted', 'accepted', 'duplicate']);
    expect(published).toHaveLength(1);
    expect(published[0]!.outputs).toHaveLength(8);
    expect((await rest(restBody(abandoned), late)).kind).toBe('duplicate');
  });
});

describe('Intake, Kafka', () => {
  it('returns the outputs for the transaction and records which record accepted the key', async () => {
    const key = randomUUID();
    const result = await acceptRecord(kafkaRequest(key), ORIGIN);
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
    const first = await acceptRecord(kafkaRequest(key), ORIGIN);
    const redelivered = await acceptRecord(kafkaRequest(key), ORIGIN);
    expect(redelivered).toEqual(first);
    const other = await acceptRecord(kafkaRequest(key), `${Topics.requests.name}/4/121`);
    expect(other).toEqual({ kind: 'duplicate', outputs: [] });
  });

  it('keys a request without an idempotency key by its origin, so a redelivery gets the same ids', async () => {
    const origin = `${Topics.requests.name}/0/${Date.now()}`;
    const first = await acceptRecord(kafkaRequest(''), origin);
    const ids = (r: RecordAcceptance) => (r.kind === 'accepted' ? r.outputs.map((o) => o.key) : []);
    expect(ids(first)).toContain(notificationId(TENANT, origin, 'u1'));
    expect(ids(await acceptRecord(kafkaRequest(''), origin))).toEqual(ids(first));
  });

  it('passes rejections and in-flight keys back', async () => {
    const missing = await acceptRecord({ ...kafkaRequest(randomUUID()), tenantId: 'nobody' }, ORIGIN);
    expect(missing.kind === 'rejected' && missing.error).toBeInstanceOf(MissingReferencesError);

    const key = randomUUID();
    await idempotency.claim(
      TENANT,
      key,
      requestHash(parseNotificationRequest(kafkaRequest(key), { now: Date.now() })),
    );
    expect(await acceptRecord(kafkaRequest(key), ORIGIN)).toEqual({
      kind: 'in-flight',
      tenantId: TENANT,
      idempotencyKey: key,
    });
  });

  it('deduplicates REST and Kafka requests with the same key against each other', async () => {
    const fromKafka = randomUUID();
    const accepted = await acceptRecord(kafkaRequest(fromKafka), ORIGIN);
    expect(accepted.kind).toBe('accepted');
    const restRepeat = await rest({
      ...kafkaRequest(fromKafka),
      requestedAt: undefined,
      tenantId: undefined,
    });
    expect(restRepeat.kind).toBe('duplicate');

    const fromRest = randomUUID();
    const restFirst = await rest({ ...kafkaRequest(fromRest), requestedAt: undefined, tenantId: undefined });
    expect(restFirst.kind).toBe('accepted');
    expect(await acceptRecord(kafkaRequest(fromRest), ORIGIN)).toEqual({ kind: 'duplicate', outputs: [] });
  });

  it('takes one insert for a slice once the caches are warm, and one find more when keys are taken', async () => {
    const warm = new Intake({ ...deps, ...cachedStores('slice') });
    const slice = (keys: string[], partition: number) =>
      keys.map((key, i) => ({
        body: kafkaRequest(key),
        origin: `${Topics.requests.name}/${partition}/${i}`,
      }));
    await warm.acceptRecords(slice([randomUUID()], 0));

    const keys = Array.from({ length: 50 }, () => randomUUID());
    let results: unknown[] = [];
    const fresh = await commandsDuring(async () => {
      results = await warm.acceptRecords(slice(keys, 1));
    });
    expect(fresh).toEqual([`insert ${Collections.idempotency}`]);
    expect(results.every((r) => (r as RecordAcceptance).kind === 'accepted')).toBe(true);

    // The same records again (their transaction aborted), then others with ten of the keys, and ten new.
    const again = await commandsDuring(async () => {
      results = await warm.acceptRecords([
        ...slice(keys, 1),
        ...slice(keys.slice(0, 10), 2),
        ...slice(
          keys.slice(40).map(() => randomUUID()),
          3,
        ),
      ]);
    });
    expect(again).toEqual([`insert ${Collections.idempotency}`, `find ${Collections.idempotency}`]);
    const kinds = results.map((r) => (r as RecordAcceptance).kind);
    expect(kinds.filter((k) => k === 'accepted')).toHaveLength(60);
    expect(kinds.slice(50, 60)).toEqual(Array(10).fill('duplicate'));
  });

  it('looks each store up once per slice when the caches are cold', async () => {
    const cold = new Intake({ ...deps, ...cachedStores(`cold-${randomUUID()}`) });
    const records = Array.from({ length: 30 }, (_, i) => ({
      body: kafkaRequest(randomUUID(), i % 2 === 0 ? ['u1'] : ['u2']),
      origin: `${Topics.requests.name}/5/${i}`,
    }));
    const commands = await commandsDuring(() => cold.acceptRecords(records));
    expect(commands.sort()).toEqual([
      `find ${Collections.recipients}`,
      `find ${Collections.templates}`,
      `find ${Collections.tenants}`,
      `insert ${Collections.idempotency}`,
    ]);
  });

  it('accepts a request again once its key has expired, even before the key is swept', async () => {
    let now = Date.now();
    const expiring = new Intake({
      ...deps,
      idempotency: new IdempotencyRepository<StoredAcceptance>(db, { retentionMs: 1_000, now: () => now }),
      now: () => now,
    });
    const key = randomUUID();
    const [first] = await expiring.acceptRecords([{ body: kafkaRequest(key), origin: ORIGIN }]);
    expect((first as RecordAcceptance).kind).toBe('accepted');
    now += 1_001;
    const later = `${Topics.requests.name}/4/999`;
    let second: unknown;
    const commands = await commandsDuring(async () => {
      [second] = await expiring.acceptRecords([{ body: kafkaRequest(key), origin: later }]);
    });
    expect((second as RecordAcceptance).kind).toBe('accepted');
    // Refused and found expired, then claimed (a takeover of the expired document) and completed.
    expect(commands.filter((c) => c.endsWith(Collections.idempotency))).toEqual(
      ['insert', 'find', 'insert', 'find', 'update', 'update'].map((c) => `${c} ${Collections.idempotency}`),
    );
    const stored = await idempotency.claim(
      TENANT,
      key,
      requestHash(parseNotificationRequest(kafkaRequest(key), { now })),
    );
    expect(stored).toEqual({ existing: expect.objectContaining({ origin: later }) });
  });
});
