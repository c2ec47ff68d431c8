import type { Channel } from '@notify/schemas';
import { Collections, DeliveryRecords, type NotificationSummaryDoc } from '@notify/stores';
import type { Collection, Db } from 'mongodb';
import type { NotificationSubject, NotificationSubjectLookup } from './domain/resolve-outcomes.js';

/**
 * Finds notifications for provider callbacks: the delivery records map a provider's message id to the
 * notification, and the notification summary gives its tenant and user. Both lookups are by _id.
 */
export class NotificationLookup implements NotificationSubjectLookup {
  private readonly deliveries: DeliveryRecords;
  private readonly summaries: Collection<NotificationSummaryDoc>;

  constructor(db: Db) {
    this.deliveries = new DeliveryRecords(db);
    this.summaries = db.collection<NotificationSummaryDoc>(Collections.notifications);
  }

  async byNotificationId(notificationId: string, tenantId: string | null): Promise<NotificationSubject | null> {
    const summary = await this.summaries.findOne({ _id: notificationId }, { projection: { tenantId: 1, userId: 1 } });
    if (!summary || (tenantId !== null && summary.tenantId !== tenantId)) return null;
    return { notificationId, tenantId: summary.tenantId, userId: summary.userId };
  }

  async byProviderMessageId(provider: string, providerMessageId: string): Promise<{ subject: NotificationSubject; channel: Channel } | null> {
    const delivery = await this.deliveries.byProviderMessage(provider, providerMessageId);
    if (!delivery) return null;
    const subject = await this.byNotificationId(delivery.notificationId, null);
    return subject ? { subject, channel: delivery.channel } : null;
  }
}
