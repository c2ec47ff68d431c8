// Broadcast topics end to end: subscribers managed over REST, a request naming two overlapping topics and
// a direct recipient, expanded by ingest page by page (pages of 2, so across several records), delivered
// by email through the pipeline: one email per user, with the deterministic notification ids. And an
// expansion whose ingest is killed mid-way resumes without notifying anyone twice.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Topics } from '@notify/schemas';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPipeline, type RunningPipeline } from '../../scripts/pipeline/launch.js';
import { notificationId } from '../../services/ingest/src/domain/notification-id.js';
import { createTestTenant, ingestApi } from '../support/ingest-api.js';
import { kafka, readTopic, waitFor } from '../support/kafka.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';
import { endOffsets, tallyTopic } from '../support/topic-tally.js';
import { enableEmailViaSendgrid } from '../support/email-delivery.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const env = stackEnv();
const tenant = uniqueName('broadcast');
const mongo = new MongoClient(env.MONGODB_URI);
const redis = new Redis(env.REDIS_URL);
let pipeline: RunningPipeline;
let key = '';

const idOf = (idempotencyKey: string, userId: string) => notificationId(tenant, idempotencyKey, userId);

const api = ingestApi(
  () => pipeline.ingestUrl,
  () => key,
);

const emailsTo = (address: string): Loose[] =>
  pipeline.emulators.sendgrid.received.filter((r) => r.to.includes(address));

const user = (n: number) => `${tenant}-u${n}`;
const emailOf = (userId: string) =>
  `${createHash('sha1').update(userId).digest('hex').slice(0, 12)}@example.com`;

beforeAll(async () => {
  await mongo.connect();
  await enableEmailViaSendgrid(redis);
  key = await createTestTenant(mongo.db(), tenant, 'E2E broadcasts');
  pipeline = await launchPipeline({
    stack: env,
    logDir: path.join(REPO_ROOT, 'reports', 'logs', `pipeline-broadcast-${Date.now()}`),
    only: ['ingest', 'enrichment', 'preference-filter', 'channel-router', 'sender-sendgrid'],
    env: { RETRY_DELAYS_MS: '500,1500,3000' },
    // Pages of two; a killed ingest's group membership and open transaction end within seconds.
    serviceEnv: {
      ingest: { BROADCAST_PAGE_SIZE: '2', KAFKA_SESSION_TIMEOUT_MS: '6000', TRANSACTION_TIMEOUT_MS: '5000' },
    },
  });
  const template = await api('POST', '/v1/templates/launch/versions', {
    channel: 'EMAIL',
    locale: 'en',
    subject: 'Launch',
    body: 'Hello, {{product}} is here',
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  for (let n = 1; n <= 6; n++) {
    const res = await api('PUT', `/v1/recipients/${user(n)}`, {
      email: emailOf(user(n)),
      locale: 'en',
      timezone: 'UTC',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await mongo.close();
  redis.disconnect();
}, 120_000);

describe('broadcast topics', () => {
  it('takes 10,000 subscribers of the longest ids in one call', async () => {
    const userIds = Array.from({ length: 10_000 }, (_, i) => `${i}-`.padEnd(128, 'x'));
    const res = await api('PUT', '/v1/topics/big/subscribers', { userIds });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ topicId: 'big', added: 10_000 });
  });

  it('notifies each user once, whether named directly, in one topic or in two, with deterministic ids', async () => {
    // news: u1..u4 (+ a subscriber without a profile); offers: u3..u6. u1 is also named directly.
    const news = await api('PUT', '/v1/topics/news/subscribers', {
      userIds: [1, 2, 3, 4].map(user).concat(`${tenant}-ghost`),
    });
    expect(news.body).toEqual({ topicId: 'news', added: 5 });
    const offers = await api('PUT', '/v1/topics/offers/subscribers', { userIds: [3, 4, 5, 6].map(user) });
    expect(offers.body).toEqual({ topicId: 'offers', added: 4 });
    const listed = await api('GET', '/v1/topics/offers/subscribers?limit=3');
    expect(listed.body.subscribers).toHaveLength(3);
    expect(listed.body.nextCursor).toEqual(expect.any(String));

    const idempotencyKey = uniqueName('launch');
    const body = {
      recipients: [user(1)],
      topics: ['news', 'offers'],
      templateId: 'launch',
      category: 'news',
      channels: ['EMAIL'],
      data: { product: 'Rocket' },
    };
    const accepted = await api('POST', '/v1/notifications', body, { 'idempotency-key': idempotencyKey });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body).toMatchObject({
      notificationIds: [idOf(idempotencyKey, user(1))],
      topics: ['news', 'offers'],
    });

    const users = [1, 2, 3, 4, 5, 6].map(user);
    await waitFor(
      () => users.every((u) => emailsTo(emailOf(u)).length > 0),
      120_000,
      () =>
        `an email to each of ${users.join(', ')}; got ${users.filter((u) => emailsTo(emailOf(u)).length > 0).join(', ')}`,
    );
    // A repeat of the request is answered with the first answer and expands nothing again.
    const repeat = await api('POST', '/v1/notifications', body, { 'idempotency-key': idempotencyKey });
    expect(repeat.status).toBe(202);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(accepted.body);

    // Whatever was still on its way after the last first email has had time to arrive.
    const pages = (await readTopic(Topics.broadcasts.name, 1, { idleMs: 5_000 })).filter(
      (m) => m.key?.toString() === `${tenant}:${idempotencyKey}`,
    );
    for (const u of users) {
      const emails = emailsTo(emailOf(u));
      expect(emails, u).toHaveLength(1);
      expect(emails[0].body.custom_args?.notification_id, u).toBe(idOf(idempotencyKey, u));
      expect(emails[0].subject).toBe('Launch');
    }
    // Six subscribers in pages of two: the first record and at least two continuations.
    expect(pages.length).toBeGreaterThanOrEqual(3);
  });

  it('resumes an expansion after ingest is killed mid-way, notifying each subscriber exactly once', async () => {
    const subscribers = Array.from({ length: 3_000 }, (_, i) => `${tenant}-s${i}`);
    expect((await api('PUT', '/v1/topics/crash/subscribers', { userIds: subscribers })).body).toEqual({
      topicId: 'crash',
      added: 3_000,
    });
    const admin = kafka.admin();
    await admin.connect();
    const sum = async (topic: string) =>
      (await endOffsets(admin, topic)).reduce((n, o) => n + Number(o.offset), 0);
    const acceptedFrom = await endOffsets(admin, Topics.accepted.name);
    const broadcastsFrom = await sum(Topics.broadcasts.name);

    const body = {
      recipients: [],
      topics: ['crash'],
      templateId: 'launch',
      category: 'news',
      channels: ['EMAIL'],
    };
    expect(
      (await api('POST', '/v1/notifications', body, { 'idempotency-key': uniqueName('crash') })).status,
    ).toBe(202);
    await new Promise((r) => setTimeout(r, 1_500));
    // About 256 pages (one bucket each), every continuation a record and a commit marker: far from done.
    const expandedSoFar = (await sum(Topics.broadcasts.name)) - broadcastsFrom;
    await pipeline.restart('ingest'); // SIGKILL, then a new process
    await admin.disconnect();
    expect(expandedSoFar).toBeGreaterThan(0);
    expect(expandedSoFar).toBeLessThan(400);

    const tally = await tallyTopic(
      kafka,
      Topics.accepted.name,
      acceptedFrom,
      `${tenant}:${tenant}-s`,
      3_000,
      {
        idleMs: 5_000,
        timeoutMs: 180_000,
      },
    );
    expect(tally).toMatchObject({ records: 3_000, distinctKeys: 3_000 });
  }, 300_000);
});
