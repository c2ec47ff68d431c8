import type { Channel } from '@notify/schemas';
import type { Collection, Db } from 'mongodb';
import { Collections, type DeliveryDoc, type ProviderMessageDoc } from './documents.js';
import { insertOnce } from './insert-once.js';

export function deliveryId(notificationId: string, channel: Channel): string {
  return `${notificationId}:${channel}`;
}

export interface DeliveryRef {
  notificationId: string;
  channel: Channel;
}

function providerMessageKey(provider: string, providerMessageId: string): string {
  return `${provider}:${providerMessageId}`;
}

/**
 * The durable half of the delivery ledger: one document per (notification, channel) that went out, and
 * one per provider message id for provider callbacks. Every lookup is by _id: a MongoDB-wire server may
 * not use secondary indexes (mongo-java-server scans the collection for any other filter, tens of
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
    await this.recordAll([delivery]);
  }

  /**
   * Records many deliveries with one insert per collection; those already recorded stay as they were. A
   * failure (a lost connection included) is thrown: the caller cannot tell what was written, and
   * writing everything again is harmless.
   */
  async recordAll(deliveries: ReadonlyArray<Omit<DeliveryDoc, '_id'>>): Promise<void> {
    if (deliveries.length === 0) return;
    await insertOnce(
      this.deliveries,
      deliveries.map((d) => ({ ...d, _id: deliveryId(d.notificationId, d.channel) })),
    );
    await insertOnce(
      this.providerMessages,
      deliveries.map((d) => ({ _id: providerMessageKey(d.provider, d.providerMessageId), notificationId: d.notificationId, channel: d.channel })),
    );
  }

  async find(notificationId: string, channel: Channel): Promise<DeliveryDoc | null> {
    return this.deliveries.findOne({ _id: deliveryId(notificationId, channel) });
  }

  /** The recorded deliveries among `refs`, keyed by `deliveryId`, in one query. */
  async findAll(refs: ReadonlyArray<DeliveryRef>): Promise<Map<string, DeliveryDoc>> {
    const ids = [...new Set(refs.map((r) => deliveryId(r.notificationId, r.channel)))];
    if (ids.length === 0) return new Map();
    // The limit lets the server close the cursor with its first batch: no getMore, no killCursors.
    const docs = await this.deliveries.find({ _id: { $in: ids } }, { limit: ids.length, batchSize: ids.length }).toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }

  /** The delivery a provider's message id belongs to. */
  async byProviderMessage(provider: string, providerMessageId: string): Promise<{ notificationId: string; channel: Channel } | null> {
    const ref = await this.providerMessages.findOne({ _id: providerMessageKey(provider, providerMessageId) });
    return ref ? { notificationId: ref.notificationId, channel: ref.channel } : null;
  }
}
