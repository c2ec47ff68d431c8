import { Stages } from '@notify/core';
import { describe, expect, it } from 'vitest';
import type { ProviderOutcome } from './provider-outcome.js';
import { resolveOutcomes, type NotificationSubjectLookup } from './resolve-outcomes.js';

const subject = { notificationId: 'n-1', tenantId: 't-1', userId: 'u-1' };

const other = { notificationId: 'n-2', tenantId: 't-1', userId: 'u-2' };

/** An in-memory lookup: n-1 delivered by twilio as SM1, n-2 by SES as ses-2; the lookups made are in `asked`. */
const asked: string[] = [];
const lookup: NotificationSubjectLookup = {
  byNotificationId: async (id, tenantId) => {
    asked.push(`id:${id}`);
    const found = [subject, other].find((s) => s.notificationId === id);
    return found && (tenantId === null || tenantId === found.tenantId) ? found : null;
  },
  byProviderMessageId: async (provider, id) => {
    asked.push(`message:${provider}:${id}`);
    if (provider === 'twilio' && id === 'SM1') return { subject, channel: 'SMS' };
    return provider === 'ses' && id === 'ses-2' ? { subject: other, channel: 'EMAIL' } : null;
  },
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
    const hardBounce = outcome({ providerMessageId: 'SM-unknown', status: 'BOUNCED', undeliverable: { reason: 'hard_bounce', addresses: ['+15550001111'] } });
    expect(await resolveOutcomes([unknown, noId, hardBounce], lookup)).toEqual({ events: [], undeliverable: [], unmatched: [unknown, noId, hardBounce] });
  });

  it("lists a matched hard bounce's or complaint's addresses under the notification's tenant and channel", async () => {
    const { events, undeliverable } = await resolveOutcomes(
      [
        outcome({ status: 'BOUNCED', occurredAt: 7, undeliverable: { reason: 'hard_bounce', addresses: ['+15550001111'] } }),
        outcome({ provider: 'ses', providerMessageId: 'ses-2', status: 'COMPLAINED', undeliverable: { reason: 'complaint', addresses: ['a@example.com', 'b@example.com'] } }),
        outcome({ status: 'BOUNCED', attributes: { bounce: 'soft' } }),
      ],
      lookup,
    );
    expect(events.map((e) => [e.notificationId, e.status, e.channel])).toEqual([
      ['n-1', 'BOUNCED', 'SMS'],
      ['n-2', 'COMPLAINED', 'EMAIL'],
      ['n-1', 'BOUNCED', 'SMS'],
    ]);
    expect(undeliverable).toEqual([
      { tenantId: 't-1', channel: 'SMS', address: '+15550001111', reason: 'hard_bounce', provider: 'twilio', notificationId: 'n-1', occurredAt: 7 },
      { tenantId: 't-1', channel: 'EMAIL', address: 'a@example.com', reason: 'complaint', provider: 'ses', notificationId: 'n-2', occurredAt: 5 },
      { tenantId: 't-1', channel: 'EMAIL', address: 'b@example.com', reason: 'complaint', provider: 'ses', notificationId: 'n-2', occurredAt: 5 },
    ]);
  });

  it('looks SES messages up by message id first, then by the tagged notification id', async () => {
    asked.length = 0;
    const byMessage = await resolveOutcomes([outcome({ provider: 'ses', providerMessageId: 'ses-2', notificationId: 'n-1', tenantId: 't-1' })], lookup);
    expect(byMessage.events[0]).toMatchObject({ notificationId: 'n-2', provider: 'ses' });
    expect(asked).toEqual(['message:ses:ses-2']);
    asked.length = 0;
    const byTag = await resolveOutcomes([outcome({ provider: 'ses', providerMessageId: 'ses-unknown', notificationId: 'n-1', tenantId: 't-1' })], lookup);
    expect(byTag.events[0]).toMatchObject({ notificationId: 'n-1', channel: 'EMAIL', provider: 'ses' });
    expect(asked).toEqual(['message:ses:ses-unknown', 'id:n-1']);
  });
});
