/**
 * How a message handed to a provider names its delivery: mail headers, and the tags (SES) or custom args
 * (SendGrid) a provider echoes back in its events. The senders write them; the status tracker reads them
 * to match a provider event to its notification.
 */
export const MessageHeaders = {
  idempotencyKey: 'X-Notify-Idempotency-Key',
  notificationId: 'X-Notify-Notification-Id',
} as const;

export const MessageTags = {
  notificationId: 'notification_id',
  tenantId: 'tenant_id',
  category: 'category',
} as const;
