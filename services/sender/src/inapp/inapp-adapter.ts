import type { Dispatch } from '@notify/schemas';
import { Collections, type InboxDoc } from '@notify/stores';
import type { Redis } from 'ioredis';
import type { Collection, Db } from 'mongodb';
import type { ProviderAdapter, SendContext, SendResult } from '../providers/provider-adapter.js';

/** Redis channel the in-app gateways subscribe to for one user. */
export function inboxChannel(tenantId: string, userId: string): string {
  return `notify:inapp:${tenantId}:${userId}`;
}

/**
 * In-app delivery: the message is stored in the user's inbox (MongoDB, keyed by notification id, so a
 * repeat is a no-op) and published to that user's open WebSocket connections on every gateway replica.
 * The inbox is the durable copy; the publish is best effort (a client that was offline reads the inbox).
 */
export class InAppAdapter implements ProviderAdapter {
  readonly provider = 'inapp' as const;
  readonly channel = 'IN_APP' as const;
  private readonly inbox: Collection<InboxDoc>;

  constructor(
    db: Db,
    private readonly publisher: Redis,
  ) {
    this.inbox = db.collection<InboxDoc>(Collections.inbox);
  }

  async send(d: Dispatch, _ctx: SendContext): Promise<SendResult> {
    const doc: InboxDoc = {
      _id: d.notificationId,
      tenantId: d.tenantId,
      userId: d.userId,
      title: d.subject,
      body: d.text,
      category: d.category,
      data: d.data,
      createdAt: new Date(),
      readAt: null,
    };
    try {
      await this.inbox.insertOne(doc);
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
    await this.publisher.publish(
      inboxChannel(d.tenantId, d.userId),
      JSON.stringify({ type: 'notification', notification: { id: d.notificationId, title: d.subject, body: d.text, category: d.category, data: d.data, createdAt: doc.createdAt } }),
    );
    return { providerMessageId: d.notificationId };
  }

  async close(): Promise<void> {}
}
