import type { Dispatch } from '@notify/schemas';
import { inboxChannel, InboxRepository, type InboxDoc } from '@notify/stores';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { ProviderAdapter, SendContext, SendResult } from '../providers/provider-adapter.js';

/**
 * In-app delivery: the message is stored in the user's inbox (MongoDB, keyed by notification id, so a
 * repeat is a no-op) and published to that user's open WebSocket connections on every gateway replica.
 * The inbox is the durable copy; the publish is best effort (a client that was offline reads the inbox).
 */
export class InAppAdapter implements ProviderAdapter {
  readonly provider = 'inapp' as const;
  readonly channel = 'IN_APP' as const;
  private readonly inbox: InboxRepository;

  constructor(
    db: Db,
    private readonly publisher: Redis,
  ) {
    this.inbox = new InboxRepository(db);
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
    await this.inbox.add(doc);
    await this.publisher.publish(
      inboxChannel(d.tenantId, d.userId),
      JSON.stringify({ type: 'notification', notification: { id: d.notificationId, title: d.subject, body: d.text, category: d.category, data: d.data, createdAt: doc.createdAt } }),
    );
    return { providerMessageId: d.notificationId };
  }

  async close(): Promise<void> {}
}
