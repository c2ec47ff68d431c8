import type { DigestSpec, Notification, NotificationEnriched } from '@notify/schemas';

export const NOW = Date.parse('2025-06-10T12:00:00Z');
export const COMMENTS: DigestSpec = { key: 'comments', windowMs: 60_000, dailyAt: null, maxItems: null };

/** An enriched notification for digest tests; `digest` defaults to COMMENTS. */
export function enrichedItem(n: Partial<Notification> = {}): NotificationEnriched {
  return {
    notification: {
      notificationId: 'n-1',
      tenantId: 't-1',
      userId: 'u-1',
      templateId: 'new-comment',
      category: 'social',
      channels: ['EMAIL'],
      priority: 'NORMAL',
      data: { comment: 'hello' },
      scheduledFor: null,
      expiresAt: null,
      requestedAt: NOW - 1_000,
      acceptedAt: NOW - 1_000,
      idempotencyKey: 'k-1',
      source: 'REST',
      digest: COMMENTS,
      ...n,
    },
    recipient: { email: 'a@example.com', phone: null, deviceTokens: [], devices: [], webhookUrl: null, locale: 'en-GB', timezone: 'Europe/Paris' },
    content: [{ channel: 'EMAIL', locale: 'en-GB', version: 1, subject: '{{digest.count}} comments', body: '{{comment}}', html: null }],
  };
}
