import type { Channel, NotificationFiltered, RecipientProfile, TemplateContent } from '@notify/schemas';

export function recipient(overrides: Partial<RecipientProfile> = {}): RecipientProfile {
  return {
    email: 'ada@example.com',
    phone: '+447700900123',
    deviceTokens: ['token-1', 'token-2'],
    devices: [],
    webhookUrl: 'https://hooks.example.com/ada',
    locale: 'en-GB',
    timezone: 'Europe/London',
    ...overrides,
  };
}

export function content(channel: Channel, overrides: Partial<TemplateContent> = {}): TemplateContent {
  return {
    channel,
    locale: 'en-GB',
    version: 3,
    subject: channel === 'EMAIL' || channel === 'PUSH' ? 'Hello {{name}}' : null,
    body: 'Hi {{name}}, your order {{orderId}} shipped.',
    html: channel === 'EMAIL' ? '<p>Hi {{name}}</p>' : null,
    ...overrides,
  };
}

export const ALL_CHANNELS: Channel[] = ['EMAIL', 'SMS', 'PUSH', 'WEBHOOK', 'IN_APP'];

export function filtered(
  overrides: {
    channels?: Channel[];
    allowedChannels?: Channel[];
    content?: TemplateContent[];
    recipient?: RecipientProfile;
    data?: Record<string, string>;
  } = {},
): NotificationFiltered {
  return {
    notification: {
      notificationId: 'n-1',
      tenantId: 'acme',
      userId: 'u-42',
      templateId: 'order-shipped',
      category: 'orders',
      channels: overrides.channels ?? [],
      priority: 'NORMAL',
      data: overrides.data ?? { name: 'Ada', orderId: 'A-1' },
      scheduledFor: null,
      expiresAt: 2_000_000,
      requestedAt: 1_000_000,
      acceptedAt: 1_000_100,
      idempotencyKey: 'k-1',
      source: 'REST',
      digest: null,
    },
    recipient: overrides.recipient ?? recipient(),
    content: overrides.content ?? ALL_CHANNELS.map((c) => content(c)),
    allowedChannels: overrides.allowedChannels ?? ALL_CHANNELS,
  };
}
