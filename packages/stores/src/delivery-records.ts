import type { Channel } from '@notify/schemas';
import type { Collection, Db } from 'mongodb';
import { Collections, type DeliveryDoc, type ProviderMessageDoc } from './documents.js';
import { insertOnce } from './insert-once.js';

export function deliveryId(notificationId: string, channel: Channel): string {
  return `${notificationId}:${channel}`;
}

function providerMessageKey(provider: string, providerMessageId: string): string {
  return `${provider}:${providerMessageId}`;
}

/**
 * The durable half of the delivery ledger: one document per (notification, channel) that went out, and
 * one per provider message id for provider callbacks. Every lookup is by _id: a MongoDB-wire server may
 * not use secondary indexes (FerretDB 1.x scans the collection for any other filter, hundreds of
 * milliseconds at tens of thousands of documents).
 */
export class DeliveryRecords {
  private readonly deliveries: Collection<DeliveryDoc>;
  private readonly providerMessages: Collection<ProviderMessageDoc>;

  constructor(db: Db) {
    this.deliveries = db.collection<DeliveryDoc>(Collections.deliveries);
    this.providerMessages = db.collection<ProviderMessageDoc>(Collections.providerMessages);
  }

  /** Idempotent: a delivery already recorded stays as it was. */
  async record(delivery: Omit<DeliveryDoc, '_id'>): Promise<void> {
    await insertOnce(this.deliveries, [{ ...delivery, _id: deliveryId(delivery.notificationId, delivery.channel) }]);
    await insertOnce(this.providerMessages, [
      {
        _id: providerMessageKey(delivery.provider, delivery.providerMessageId),
        notificationId: delivery.notificationId,
        channel: delivery.channel,
      },
    ]);
  }

  async find(notificationId: string, channel: Channel): Promise<DeliveryDoc | null> {
    return this.deliveries.findOne({ _id: deliveryId(notificationId, channel) });
  }

  /** The delivery a provider's message id belongs to. */
  async byProviderMessage(provider: string, providerMessageId: string): Promise<{ notificationId: string; channel: Channel } | null> {
    const ref = await this.providerMessages.findOne({ _id: providerMessageKey(provider, providerMessageId) });
    return ref ? { notificationId: ref.notificationId, channel: ref.channel } : null;
  }
}
