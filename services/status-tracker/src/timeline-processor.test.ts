import { createLogger, type InputRecord, type RecordContext } from '@notify/runtime';
import type { NotificationStatusEvent } from '@notify/schemas';
import { NotificationRepository } from '@notify/stores';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelineProcessor } from './timeline-processor.js';

const client = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify', { serverSelectionTimeoutMS: 5_000 });
let db: Db;

beforeAll(async () => {
  await client.connect();
  db = client.db(`test_status_timeline_${randomUUID().slice(0, 8)}`);
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

const context: RecordContext = {
  topic: 'notify.status.v1',
  partition: 0,
  offset: '0',
  key: null,
  headers: {},
  rawValue: null,
  attempt: 1,
  maxAttempts: 4,
  logger: createLogger('test', 'silent'),
  now: Date.now,
};

const event = (status: NotificationStatusEvent['status'], stage: string, occurredAt: number): NotificationStatusEvent => ({
  notificationId: 'n-1',
  tenantId: 't-1',
  userId: 'u-1',
  status,
  stage,
  channel: status === 'ACCEPTED' ? null : 'EMAIL',
  provider: status === 'ACCEPTED' ? null : 'sendgrid',
  reason: null,
  providerMessageId: null,
  occurredAt,
  attributes: {},
});

describe('timelineProcessor (MongoDB)', () => {
  it('writes a batch into the timeline, produces nothing, and does not duplicate replayed events', async () => {
    const recorded: string[] = [];
    const def = timelineProcessor(new NotificationRepository(db), { onRecorded: (e) => recorded.push(e.status) });
    expect(def.outputs).toEqual([]);
    if (!('batch' in def.handle)) throw new Error('expected a batch handler');
    const batch: Array<InputRecord<NotificationStatusEvent>> = [event('ACCEPTED', 'ingest', 1_000), event('SENT', 'sender', 3_000), event('ROUTED', 'channel-router', 2_000)].map(
      (value) => ({ value, context }),
    );
    expect(await def.handle.batch(batch)).toEqual([[], [], []]);
    // A replay of the same records, e.g. after a crash before the offsets were committed.
    expect(await def.handle.batch([...batch, { value: event('DELIVERED', 'status-tracker', 4_000), context }])).toEqual([[], [], [], []]);

    const doc = await new NotificationRepository(db).get('t-1', 'n-1');
    expect(doc?.timeline.map((e) => e.status)).toEqual(['ACCEPTED', 'ROUTED', 'SENT', 'DELIVERED']);
    expect(doc?.status).toBe('DELIVERED');
    expect(recorded.sort()).toEqual(['ACCEPTED', 'DELIVERED', 'ROUTED', 'SENT']);

    // Engagement joins the timeline but leaves the outcome DELIVERED.
    await def.handle.batch([event('OPENED', 'status-tracker', 5_000), event('CLICKED', 'status-tracker', 6_000), event('COMPLAINED', 'status-tracker', 7_000)].map((value) => ({ value, context })));
    const engaged = await new NotificationRepository(db).get('t-1', 'n-1');
    expect(engaged?.timeline.map((e) => e.status)).toEqual(['ACCEPTED', 'ROUTED', 'SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'COMPLAINED']);
    expect(engaged?.status).toBe('DELIVERED');
  });

  it('fails the batch for a retry when the write fails', async () => {
    const store = { appendStatuses: async () => Promise.reject(new Error('write refused')) };
    const def = timelineProcessor(store);
    if (!('batch' in def.handle)) throw new Error('expected a batch handler');
    const results = await def.handle.batch([event('SENT', 'sender', 1), event('SENT', 'sender', 2)].map((value) => ({ value, context })));
    expect(results).toHaveLength(2);
    for (const r of results) expect(r).toBeInstanceOf(Error);
  });
});
