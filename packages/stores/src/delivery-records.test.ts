import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { DeliveryRecords } from './delivery-records.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('deliveries'));
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
});
