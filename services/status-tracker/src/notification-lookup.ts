import type { Channel } from '@notify/schemas';
import { Collections, type DeliveryDoc, type NotificationSummaryDoc } from '@notify/stores';
import type { Collection, Db } from 'mongodb';
import type { NotificationSubject, NotificationSubjectLookup } from './domain/resolve-outcomes.js';

const PROVIDER_MESSAGE_INDEX = 'deliveries_provider_message_id';

/**
 * Finds notifications for provider callbacks: the deliveries ledger maps a provider's message id to the
 * notification, and the notification summary gives its tenant and user.
 */
export class NotificationLookup implements NotificationSubjectLookup {
  private readonly deliveries: Collection<DeliveryDoc>;
  private readonly summaries: Collection<NotificationSummaryDoc>;

  constructor(db: Db) {
    this.deliveries = db.collection<DeliveryDoc>(Collections.deliveries);
    this.summaries = db.collection<NotificationSummaryDoc>(Collections.notifications);
  }

  /** The ledger's own indexes are keyed by notification; callbacks look up by the provider's id. */
  async ensureIndexes(): Promise<void> {
    await this.deliveries.createIndex({ providerMessageId: 1 }, { name: PROVIDER_MESSAGE_INDEX });
  }

  async byNotificationId(notificationId: string, tenantId: string | null): Promise<NotificationSubject | null> {
    const summary = await this.summaries.findOne(
      tenantId === null ? { _id: notificationId } : { _id: notificationId, tenantId },
      { projection: { tenantId: 1, userId: 1 } },
    );
    return summary ? { notificationId, tenantId: summary.tenantId, userId: summary.userId } : null;
  }

  async byProviderMessageId(provider: string, providerMessageId: string): Promise<{ subject: NotificationSubject; channel: Channel } | null> {
    const delivery = await this.deliveries.findOne({ providerMessageId, provider });
    if (!delivery) return null;
    const subject = await this.byNotificationId(delivery.notificationId, null);
    return subject ? { subject, channel: delivery.channel } : null;
  }
}
