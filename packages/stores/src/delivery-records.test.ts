import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { DeliveryRecords } from './delivery-records.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('deliveries'));
});
afterAll(async () => close());

const delivery = { notificationId: 'n1', channel: 'EMAIL' as const, provider: 'sendgrid', providerMessageId: 'm1', sentAt: new Date(1_000) };

describe('DeliveryRecords', () => {
  it('records a delivery once and finds it by notification and channel, and by the provider message id', async () => {
    const records = new DeliveryRecords(db);
    await records.record(delivery);
    await records.record({ ...delivery, providerMessageId: 'm-second', sentAt: new Date(2_000) }); // a repeat changes nothing
    expect(await records.find('n1', 'EMAIL')).toMatchObject({ provider: 'sendgrid', providerMessageId: 'm1', sentAt: new Date(1_000) });
    expect(await records.find('n1', 'SMS')).toBeNull();
    expect(await records.byProviderMessage('sendgrid', 'm1')).toEqual({ notificationId: 'n1', channel: 'EMAIL' });
    expect(await records.byProviderMessage('twilio', 'm1')).toBeNull();
  });

  it('keeps channels of one notification apart', async () => {
    const records = new DeliveryRecords(db);
    await records.record({ ...delivery, notificationId: 'n2' });
    await records.record({ ...delivery, notificationId: 'n2', channel: 'SMS', provider: 'twilio', providerMessageId: 'SM2' });
    expect((await records.find('n2', 'SMS'))?.provider).toBe('twilio');
    expect(await records.byProviderMessage('twilio', 'SM2')).toEqual({ notificationId: 'n2', channel: 'SMS' });
  });

  it('records many deliveries with one insert per collection, keeping the ones already there as they were', async () => {
    const records = new DeliveryRecords(db);
    await records.record({ ...delivery, notificationId: 'm0', providerMessageId: 'first' });
    const deliveries = commandsOn('deliveries');
    const providerMessages = commandsOn('provider_messages');
    const batch = ['m0', 'm1', 'm2', 'm1'].map((notificationId, i) => ({ ...delivery, notificationId, providerMessageId: `pm-${notificationId}-${i}` }));
    await records.recordAll(batch);
    expect(deliveries()).toEqual(['insert']);
    expect(providerMessages()).toEqual(['insert']);
    expect((await records.find('m0', 'EMAIL'))?.providerMessageId).toBe('first');
    expect((await records.find('m1', 'EMAIL'))?.providerMessageId).toBe('pm-m1-1');
    expect(await records.byProviderMessage('sendgrid', 'pm-m2-2')).toEqual({ notificationId: 'm2', channel: 'EMAIL' });
    await records.recordAll([]);
    expect(deliveries()).toEqual(['insert', 'find', 'find']);
  });

  it('finds the recorded ones among many deliveries in one find command', async () => {
    const records = new DeliveryRecords(db);
    const ids = Array.from({ length: 150 }, (_, i) => `f${i}`); // more than a default first batch of 101
    await records.recordAll(ids.filter((_, i) => i % 3 !== 0).map((notificationId) => ({ ...delivery, notificationId, providerMessageId: `pm-${notificationId}` })));
    const commands = commandsOn('deliveries');
    const found = await records.findAll([...ids, 'f1'].map((notificationId) => ({ notificationId, channel: 'EMAIL' as const })));
    expect(commands()).toEqual(['find']);
    expect(found.size).toBe(100);
    expect(found.get('f1:EMAIL')).toMatchObject({ notificationId: 'f1', providerMessageId: 'pm-f1' });
    expect(found.has('f0:EMAIL')).toBe(false);
    expect(await records.findAll([])).toEqual(new Map());
  });
});
