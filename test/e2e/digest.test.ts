// Digests through the running pipeline: notifications sharing a digest key become one email per window,
// rendered with every item, and each item's timeline names the digest it went into.
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPipeline, type RunningPipeline } from '../../scripts/pipeline/launch.js';
import { createTestTenant, ingestApi, waitForTimelineEvent } from '../support/ingest-api.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';
import { enableEmailViaSendgrid } from '../support/email-delivery.js';

const env = stackEnv();
const tenant = uniqueName('e2e-digest');
const mongo = new MongoClient(env.MONGODB_URI);
const redis = new Redis(env.REDIS_URL);
let pipeline: RunningPipeline;
let key = '';
const api = ingestApi(() => pipeline.ingestUrl, () => key);
const waitForEvent = (id: string, match: Record<string, unknown>, timeoutMs?: number) => waitForTimelineEvent(api, id, match, timeoutMs);

/** One comment notification for `userId`, collected into the `digest` window. */
async function comment(userId: string, text: string, digest: Record<string, unknown>): Promise<string> {
  const res = await api(
    'POST',
    '/v1/notifications',
    { recipients: [userId], templateId: 'comments', category: 'social', channels: ['EMAIL'], data: { comment: text }, digest },
    { 'idempotency-key': uniqueName('k') },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.notificationIds[0] as string;
}

const emailsTo = (address: string) => pipeline.emulators.sendgrid.received.filter((r) => r.to.includes(address));

beforeAll(async () => {
  await mongo.connect();
  await enableEmailViaSendgrid(redis);
  key = await createTestTenant(mongo.db(), tenant, 'E2E digests');
  pipeline = await launchPipeline({
    stack: env,
    logDir: path.join(REPO_ROOT, 'reports', 'logs', `digest-${Date.now()}`),
    env: { RETRY_DELAYS_MS: '500,1500,3000' },
    only: ['ingest', 'enrichment', 'preference-filter', 'scheduler', 'channel-router', 'sender-sendgrid', 'status-tracker'],
  });
  const template = await api('POST', '/v1/templates/comments/versions', {
    channel: 'EMAIL',
    locale: 'en',
    subject: '{{digest.count}} new comments',
    body: '{{#each digest.items}}[{{comment}}]{{/each}} more:{{digest.more}}',
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await mongo.close();
  redis.disconnect();
}, 120_000);

describe('digests end to end', () => {
  it('delivers three notifications of one window as one email listing all three, and the timelines link items and digest', async () => {
    const user = uniqueName('ada');
    const email = `${user}@example.com`;
    expect((await api('PUT', `/v1/recipients/${user}`, { email, locale: 'en-GB', timezone: 'Europe/Paris' })).status).toBe(200);
    const digest = { key: 'comments', windowMs: 3_000 };
    const items = [await comment(user, 'one', digest), await comment(user, 'two', digest), await comment(user, 'three', digest)];

    const digested = await Promise.all(items.map((id) => waitForEvent(id, { status: 'DIGESTED' })));
    const digestIds = new Set(digested.map((e) => e.attributes.digestId as string));
    expect(digestIds.size).toBe(1);
    const [digestId] = [...digestIds] as [string];
    for (const e of digested) expect(e).toMatchObject({ stage: 'preference-filter', attributes: { digestKey: 'comments' } });

    await waitForEvent(digestId, { status: 'SENT', channel: 'EMAIL' });
    const accepted = await waitForEvent(digestId, { status: 'ACCEPTED' });
    expect(accepted.attributes.items.split(',').sort()).toEqual([...items].sort());
    expect(accepted.attributes.itemCount).toBe('3');

    // Give a second close, were there one, the time to arrive before counting emails.
    await new Promise((r) => setTimeout(r, 4_000));
    const mails = emailsTo(email);
    expect(mails).toHaveLength(1);
    expect((mails[0]!.body.custom_args as Record<string, string> | undefined)?.notification_id).toBe(digestId);
    expect(mails[0]!.subject).toBe('3 new comments');
    expect(mails[0]!.text).toBe('[one][two][three] more:0');
    for (const id of items) expect((await api('GET', `/v1/notifications/${id}`)).body.status).toBe('DIGESTED');
  });

  it('closes a window as soon as it holds maxItems, long before its time is up', async () => {
    const user = uniqueName('bob');
    const email = `${user}@example.com`;
    expect((await api('PUT', `/v1/recipients/${user}`, { email, locale: 'en-GB', timezone: 'UTC' })).status).toBe(200);
    const digest = { key: 'mentions', windowMs: 600_000, maxItems: 2 };
    const items = [await comment(user, 'first', digest), await comment(user, 'second', digest)];

    const [digestedEvent] = await Promise.all(items.map((id) => waitForEvent(id, { status: 'DIGESTED' })));
    const digestId = digestedEvent.attributes.digestId as string;
    await waitForEvent(digestId, { status: 'SENT', channel: 'EMAIL' }, 30_000);
    const mails = emailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toBe('[first][second] more:0');

    // A third item opens the next window, which waits for its own time.
    const third = await comment(user, 'third', digest);
    const next = await waitForEvent(third, { status: 'DIGESTED' });
    expect(next.attributes.digestId).not.toBe(digestId);
  });
});
