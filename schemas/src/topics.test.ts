import { describe, expect, it } from 'vitest';
import type { SchemaName } from './schema-files.js';
import type { Notification, RecipientProfile, SchemaValueTypes } from './generated/types.js';
import { allTopics, dispatchTopic, PROVIDERS, recipientKey, Topics, type KeyKind } from './topics.js';

const notification: Notification = {
  notificationId: 'n-1',
  tenantId: 'acme',
  userId: 'u:1',
  templateId: 'welcome',
  category: 'account',
  channels: ['EMAIL'],
  priority: 'NORMAL',
  data: {},
  scheduledFor: null,
  expiresAt: null,
  requestedAt: 1_000,
  acceptedAt: 2_000,
  idempotencyKey: 'k',
  source: 'REST',
  digest: null,
};
const recipient: RecipientProfile = { email: 'ada@example.com', phone: null, deviceTokens: [], devices: [], webhookUrl: null, locale: 'en', timezone: 'UTC' };

const samples: { [S in SchemaName]: SchemaValueTypes[S] } = {
  'notification-request': {
    tenantId: 'acme',
    idempotencyKey: 'k',
    recipients: ['u:1', 'u:2'],
    templateId: 'welcome',
    category: 'account',
    channels: [],
    priority: 'NORMAL',
    data: {},
    scheduledFor: null,
    expiresAt: null,
    requestedAt: 1_000,
    topics: [],
    digest: null,
  },
  'broadcast-expansion': {
    tenantId: 'acme',
    idempotencyKey: 'k',
    templateId: 'welcome',
    category: 'account',
    channels: [],
    priority: 'NORMAL',
    data: {},
    scheduledFor: null,
    expiresAt: null,
    requestedAt: 1_000,
    acceptedAt: 2_000,
    source: 'REST',
    digest: null,
    topics: ['news'],
    directRecipients: [],
    nextBucket: 0,
  },
  'notification-accepted': { notification },
  'notification-enriched': { notification, recipient, content: [] },
  'notification-filtered': { notification, recipient, content: [], allowedChannels: ['EMAIL'] },
  'notification-status': {
    notificationId: 'n-1',
    tenantId: 'acme',
    userId: 'u:1',
    status: 'ACCEPTED',
    stage: 'ingest',
    channel: null,
    provider: null,
    reason: null,
    providerMessageId: null,
    occurredAt: 2_000,
    attributes: {},
  },
  dispatch: {
    notificationId: 'n-1',
    tenantId: 'acme',
    userId: 'u:1',
    channel: 'EMAIL',
    provider: 'sendgrid',
    fallbackProviders: [],
    to: 'ada@example.com',
    subject: null,
    text: 'hi',
    html: null,
    category: 'account',
    priority: 'NORMAL',
    data: {},
    requestedAt: 1_000,
    expiresAt: null,
    dispatchedAt: 3_000,
  },
};

const expectedKey: Record<KeyKind, string> = { tenant: 'acme', recipient: 'acme:u:1', notification: 'n-1', request: 'acme:k' };

describe('topic keys', () => {
  it('keys every topic by its kind of key, read from a sample value', () => {
    for (const t of allTopics()) expect(t.keyOf(samples[t.schema]), t.name).toBe(expectedKey[t.key]);
  });

  it('keys requests by tenant, broadcast expansions by request, pipeline topics by recipient and status events by notification', () => {
    expect(Topics.requests.keyOf(samples['notification-request'])).toBe('acme');
    expect(Topics.broadcasts.keyOf(samples['broadcast-expansion'])).toBe('acme:k');
    expect(Topics.accepted.keyOf(samples['notification-accepted'])).toBe('acme:u:1');
    expect(Topics.enriched.keyOf(samples['notification-enriched'])).toBe('acme:u:1');
    expect(Topics.filtered.keyOf(samples['notification-filtered'])).toBe('acme:u:1');
    expect(Topics.status.keyOf(samples['notification-status'])).toBe('n-1');
    for (const p of PROVIDERS) expect(dispatchTopic(p).keyOf(samples.dispatch), p).toBe('acme:u:1');
  });

  it('builds the recipient key from tenant and user', () => {
    expect(recipientKey({ tenantId: 't', userId: 'u' })).toBe('t:u');
  });

  it('gives one spec per provider', () => {
    expect(dispatchTopic('twilio')).toBe(dispatchTopic('twilio'));
    expect(dispatchTopic('twilio').name).toBe('notify.dispatch.twilio.v1');
  });
});
