import { Stages } from '@notify/core';
import { describe, expect, it } from 'vitest';
import type { ProviderOutcome } from './provider-outcome.js';
import { resolveOutcomes, type NotificationSubjectLookup } from './resolve-outcomes.js';

const subject = { notificationId: 'n-1', tenantId: 't-1', userId: 'u-1' };

/** An in-memory lookup: one notification, delivered by twilio as SM1. */
const lookup: NotificationSubjectLookup = {
  byNotificationId: async (id, tenantId) => (id === 'n-1' && (tenantId === null || tenantId === 't-1') ? subject : null),
  byProviderMessageId: async (provider, id) => (provider === 'twilio' && id === 'SM1' ? { subject, channel: 'SMS' } : null),
};

const outcome = (o: Partial<ProviderOutcome>): ProviderOutcome => ({
  provider: 'twilio',
  status: 'DELIVERED',
  occurredAt: 5,
  providerMessageId: 'SM1',
  notificationId: null,
  tenantId: null,
  reason: null,
  attributes: {},
  ...o,
});

describe('resolveOutcomes', () => {
  it('finds the notification by provider message id and builds its status event', async () => {
    const { events, unmatched } = await resolveOutcomes([outcome({ attributes: { providerStatus: 'delivered' } })], lookup);
    expect(unmatched).toEqual([]);
    expect(events).toEqual([
      {
        ...subject,
        status: 'DELIVERED',
        stage: Stages.statusTracker,
        channel: 'SMS',
        provider: 'twilio',
        reason: null,
        providerMessageId: 'SM1',
        occurredAt: 5,
        attributes: { providerStatus: 'delivered' },
      },
    ]);
  });

  it('prefers the echoed notification id, within its tenant, and falls back to the message id', async () => {
    const byId = await resolveOutcomes([outcome({ provider: 'sendgrid', notificationId: 'n-1', tenantId: 't-1', providerMessageId: 'x' })], lookup);
    expect(byId.events[0]).toMatchObject({ notificationId: 'n-1', channel: 'EMAIL', provider: 'sendgrid' });
    const otherTenant = await resolveOutcomes([outcome({ notificationId: 'n-1', tenantId: 't-2', providerMessageId: 'SM1' })], lookup);
    expect(otherTenant.events[0]).toMatchObject({ notificationId: 'n-1', channel: 'SMS' });
  });

  it('returns what matches nothing as unmatched', async () => {
    const unknown = outcome({ providerMessageId: 'SM-unknown' });
    const noId = outcome({ providerMessageId: null });
    expect(await resolveOutcomes([unknown, noId], lookup)).toEqual({ events: [], unmatched: [unknown, noId] });
  });
});
