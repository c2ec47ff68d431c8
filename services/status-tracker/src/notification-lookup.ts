import type { Channel } from '@notify/schemas';
import { DeliveryRecords, NotificationRepository } from '@notify/stores';
import type { Db } from 'mongodb';
import type { NotificationSubject, NotificationSubjectLookup } from './domain/resolve-outcomes.js';

/**
 * Finds notifications for provider callbacks: the delivery records map a provider's message id to the
 * notification, and the notification summary gives its tenant and user. Both lookups are by _id.
 */
export class NotificationLookup implements NotificationSubjectLookup {
  private readonly deliveries: DeliveryRecords;
  private readonly notifications: NotificationRepository;

  constructor(db: Db) {
    this.deliveries = new DeliveryRecords(db);
    this.notifications = new NotificationRepository(db);
  }

  async byNotificationId(notificationId: string, tenantId: string | null): Promise<NotificationSubject | null> {
    const recipient = await this.notifications.recipientOf(notificationId);
    if (!recipient || (tenantId !== null && recipient.tenantId !== tenantId)) return null;
    return { notificationId, tenantId: recipient.tenantId, userId: recipient.userId };
  }

  async byProviderMessageId(provider: string, providerMessageId: string): Promise<{ subject: NotificationSubject; channel: Channel } | null> {
    const delivery = await this.deliveries.byProviderMessage(provider, providerMessageId);
    if (!delivery) return null;
    const subject = await this.byNotificationId(delivery.notificationId, null);
    return subject ? { subject, channel: delivery.channel } : null;
  }
}
