import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import type { NotificationStatusEvent } from '@notify/schemas';
import { ensureIndexes } from './indexes.js';
import { Collections } from './documents.js';
import { NotificationRepository } from './notification-repository.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('notifications'));
  await ensureIndexes(db);
});
afterAll(async () => close());

function event(
  notificationId: string,
  overrides: Partial<NotificationStatusEvent> = {},
): NotificationStatusEvent {
  return {
    notificationId,
    tenantId: 't1',
    userId: 'u1',
    status: 'ACCEPTED',
    stage: 'ingest',
    channel: null,
    provider: null,
    reason: null,
    providerMessageId: null,
    occurredAt: 1_000,
    attributes: {},
    ...overrides,
  };
}

describe('NotificationRepository', () => {
  it('records the same event once', async () => {
    const repo = new NotificationRepository(db);
    expect(await repo.appendStatus(event('n1'))).toBe(true);
    expect(await repo.appendStatus(event('n1'))).toBe(false);
    const sent = event('n1', {
      status: 'SENT',
      stage: 'sender-smtp',
      channel: 'EMAIL',
      provider: 'smtp',
      providerMessageId: 'm1',
      occurredAt: 2_000,
    });
    expect(await repo.appendStatus(sent)).toBe(true);
    expect(await repo.appendStatus(sent)).toBe(false);
    // Same status at the same instant on another channel is another event.
    expect(await repo.appendStatus({ ...sent, channel: 'SMS', provider: 'twilio' })).toBe(true);

    const doc = await repo.get('t1', 'n1');
    expect(doc?.status).toBe('SENT');
    expect(doc?.timeline.map((e) => [e.status, e.channel ?? null])).toEqual([
      ['ACCEPTED', null],
      ['SENT', 'EMAIL'],
      ['SENT', 'SMS'],
    ]);
    expect(doc?.timeline[1]).toMatchObject({
      provider: 'smtp',
      providerMessageId: 'm1',
      occurredAt: new Date(2_000),
    });
  });

  it('keeps the status of the latest event whatever the arrival order', async () => {
    const repo = new NotificationRepository(db);
    await repo.appendStatus(
      event('n2', { status: 'DELIVERED', stage: 'sender-sendgrid', channel: 'EMAIL', occurredAt: 3_000 }),
    );
    await repo.appendStatus(event('n2', { occurredAt: 1_000 }));
    await repo.appendStatus(event('n2', { status: 'ROUTED', stage: 'channel-router', occurredAt: 2_000 }));
    const doc = await repo.get('t1', 'n2');
    expect(doc?.status).toBe('DELIVERED');
    expect(doc?.statusAt).toEqual(new Date(3_000));
    expect(doc?.timeline.map((e) => e.status)).toEqual(['ACCEPTED', 'ROUTED', 'DELIVERED']);
    const summary = await db.collection(Collections.notifications).findOne({ _id: 'n2' as never });
    expect(summary).toMatchObject({ tenantId: 't1', userId: 'u1' });
  });

  it('records engagement in the timeline without replacing the outcome', async () => {
    const repo = new NotificationRepository(db);
    await repo.appendStatuses([
      event('n-engaged'),
      event('n-engaged', { status: 'SENT', stage: 'sender', channel: 'EMAIL', occurredAt: 2_000 }),
      event('n-engaged', { status: 'OPENED', stage: 'status-tracker', channel: 'EMAIL', occurredAt: 4_000 }),
      event('n-engaged', { status: 'DELIVERED', stage: 'status-tracker', channel: 'EMAIL', occurredAt: 3_000 }),
      event('n-engaged', { status: 'CLICKED', stage: 'status-tracker', channel: 'EMAIL', occurredAt: 5_000, attributes: { url: 'https://example.com/a' } }),
    ]);
    const doc = await repo.get('t1', 'n-engaged');
    expect(doc?.status).toBe('DELIVERED');
    expect(doc?.statusAt).toEqual(new Date(3_000));
    expect(doc?.timeline.map((e) => e.status)).toEqual(['ACCEPTED', 'SENT', 'DELIVERED', 'OPENED', 'CLICKED']);
    expect(doc?.timeline[4]?.attributes).toEqual({ url: 'https://example.com/a' });
  });

  it('orders events of the same instant by lifecycle', async () => {
    const repo = new NotificationRepository(db);
    await repo.appendStatus(event('n5', { status: 'SENT', stage: 'sender-smtp', occurredAt: 5 }));
    await repo.appendStatus(event('n5', { status: 'ROUTED', stage: 'channel-router', occurredAt: 5 }));
    const doc = await repo.get('t1', 'n5');
    expect(doc?.timeline.map((e) => e.status)).toEqual(['ROUTED', 'SENT']);
    expect(doc?.status).toBe('SENT');
  });

  it('loses no event when first events race', async () => {
    const repo = new NotificationRepository(db);
    const events = Array.from({ length: 6 }, (_, i) =>
      event('n3', { stage: `s${i}`, occurredAt: 1_000 + i }),
    );
    const results = await Promise.all([...events, ...events].map((e) => repo.appendStatus(e)));
    expect(results.filter(Boolean)).toHaveLength(6);
    const doc = await repo.get('t1', 'n3');
    expect(doc?.timeline.map((e) => e.stage)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    expect(doc?.status).toBe('ACCEPTED');
    expect(doc?.statusAt).toEqual(new Date(1_005));
  });

  it('records a list in one call: new events, repeats within the list and earlier ones told apart', async () => {
    const repo = new NotificationRepository(db);
    await repo.appendStatus(event('n6'));
    const routed = event('n6', { status: 'ROUTED', stage: 'channel-router', occurredAt: 2_000 });
    const other = event('n7', { userId: 'u7' });
    expect(await repo.appendStatuses([event('n6'), routed, other, routed])).toEqual([false, true, true, false]);
    expect((await repo.get('t1', 'n6'))?.timeline.map((e) => e.status)).toEqual(['ACCEPTED', 'ROUTED']);
    expect(await db.collection(Collections.notifications).findOne({ _id: 'n7' as never })).toMatchObject({ tenantId: 't1', userId: 'u7' });
    expect(await repo.appendStatuses([])).toEqual([]);
  });

  it('creates the summary of a notification whose events were recorded before a crash', async () => {
    const repo = new NotificationRepository(db);
    await repo.appendStatus(event('n8'));
    await db.collection(Collections.notifications).deleteOne({ _id: 'n8' as never }); // as if it crashed before the summary
    expect(await repo.appendStatus(event('n8'))).toBe(false);
    expect(await db.collection(Collections.notifications).findOne({ _id: 'n8' as never })).toMatchObject({ userId: 'u1' });
  });

  it('appendEvents records the timeline alone in one insert; appendStatuses of the same events adds the summary', async () => {
    const repo = new NotificationRepository(db);
    const seen = commandsOn(Collections.notificationEvents);
    const summaries = commandsOn(Collections.notifications);
    expect(await repo.appendEvents([event('n9'), event('n10', { userId: 'u10' }), event('n9')])).toEqual([
      true,
      true,
      false,
    ]);
    expect(seen()).toEqual(['insert']);
    expect(summaries()).toEqual([]);
    expect((await repo.get('t1', 'n10'))?.status).toBe('ACCEPTED');
    expect(await db.collection(Collections.notifications).findOne({ _id: 'n10' as never })).toBeNull();

    // The status tracker records the same ACCEPTED event from notify.status.v1: a repeat, but the summary comes.
    expect(await repo.appendStatuses([event('n10', { userId: 'u10' })])).toEqual([false]);
    expect(await db.collection(Collections.notifications).findOne({ _id: 'n10' as never })).toMatchObject({
      tenantId: 't1',
      userId: 'u10',
    });
    expect(await repo.appendEvents([])).toEqual([]);
  });

  it('get is scoped by tenant', async () => {
    const repo = new NotificationRepository(db);
    await repo.appendStatus(event('n4'));
    expect(await repo.get('t2', 'n4')).toBeNull();
    expect(await repo.get('t1', 'missing')).toBeNull();
    expect((await repo.get('t1', 'n4'))?.userId).toBe('u1');
  });

  it('tells who a notification is for once its ACCEPTED event is recorded', async () => {
    const repo = new NotificationRepository(db);
    await repo.appendEvents([event('n11', { userId: 'u11' })]);
    expect(await repo.recipientOf('n11')).toBeNull();
    await repo.appendStatus(event('n11', { userId: 'u11' }));
    expect(await repo.recipientOf('n11')).toMatchObject({ tenantId: 't1', userId: 'u11' });
    expect(await repo.recipientOf('missing')).toBeNull();
  });
});
