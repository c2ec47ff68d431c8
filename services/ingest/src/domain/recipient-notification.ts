import { Stages, statusEvent } from '@notify/core';
import type { Notification, NotificationStatusEvent } from '@notify/schemas';
import { notificationId } from './notification-id.js';

/** What every notification of one request shares: all but the id and the recipient. */
export type NotificationTemplate = Omit<Notification, 'notificationId' | 'userId'>;

/**
 * The notification of one recipient of a request, with its deterministic id: the one way a notification is
 * built, whether the recipient was named in the request or found among a topic's subscribers.
 */
export function recipientNotification(template: NotificationTemplate, userId: string): Notification {
  return {
    notificationId: notificationId(template.tenantId, template.idempotencyKey, userId),
    tenantId: template.tenantId,
    userId,
    templateId: template.templateId,
    category: template.category,
    channels: [...template.channels],
    priority: template.priority,
    data: { ...template.data },
    scheduledFor: template.scheduledFor,
    expiresAt: template.expiresAt,
    requestedAt: template.requestedAt,
    acceptedAt: template.acceptedAt,
    idempotencyKey: template.idempotencyKey,
    source: template.source,
    digest: template.digest ? { ...template.digest } : null,
  };
}

/** The ACCEPTED event of a notification, reported by ingest. */
export function acceptedEvent(notification: Notification): NotificationStatusEvent {
  return statusEvent(notification, Stages.ingest, 'ACCEPTED', notification.acceptedAt, {
    attributes: { source: notification.source },
  });
}
