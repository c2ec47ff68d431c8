import type { NotificationEnriched, Notification } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import {
  applyCapVerdicts,
  channelSuppressionEvents,
  decide,
  decideBeforeCaps,
  planCapChecks,
  statusEventFor,
  toFiltered,
  type FilterPreferences,
} from './decide.js';
import type { CapVerdict } from './frequency-cap.js';

const NOW = Date.parse('2025-06-10T12:00:00Z');
const MIN = 60_000;

function enriched(n: Partial<Notification> = {}, timezone = 'UTC'): NotificationEnriched {
  return {
    notification: {
      notificationId: 'n-1',
      tenantId: 't-1',
      userId: 'u-1',
      templateId: 'welcome',
      category: 'billing',
      channels: ['EMAIL', 'SMS'],
      priority: 'NORMAL',
      data: {},
      scheduledFor: null,
      expiresAt: null,
      requestedAt: NOW - MIN,
      acceptedAt: NOW - MIN,
      idempotencyKey: 'k-1',
      source: 'REST',
      digest: null,
      ...n,
    },
    recipient: {
      email: 'a@example.com',
      phone: '+33600000000',
      deviceTokens: [],
      devices: [],
      webhookUrl: null,
      locale: 'en-GB',
      timezone,
    },
    content: [
      { channel: 'EMAIL', locale: 'en-GB', version: 1, subject: 'Hi', body: 'Hello', html: null },
      { channel: 'SMS', locale: 'en-GB', version: 1, subject: null, body: 'Hello', html: null },
    ],
  };
}

function prefs(p: Partial<FilterPreferences> = {}): FilterPreferences {
  return { globalUnsubscribe: false, categories: {}, ...p };
}

const quietNow: FilterPreferences = prefs({ quietHours: { start: '11:00', end: '13:00' } });
const over = (count = 3): CapVerdict => ({
  allowed: false,
  exceeded: { cap: { category: '*', channel: 'SMS', max: count, windowMs: MIN }, count },
  counts: [],
});
const under: CapVerdict = { allowed: true, exceeded: null, counts: [] };

describe('decide', () => {
  it('passes with the requested channels by default', () => {
    expect(decide({ enriched: enriched(), now: NOW, preferences: null })).toEqual({
      kind: 'pass',
      allowedChannels: ['EMAIL', 'SMS'],
      removed: [],
    });
  });

  it('suppresses expired notifications first, whatever else applies', () => {
    const d = decide({
      enriched: enriched({ expiresAt: NOW, scheduledFor: NOW + MIN }),
      now: NOW,
      preferences: prefs({ globalUnsubscribe: true }),
    });
    expect(d).toMatchObject({ kind: 'suppress', reason: 'expired' });
  });

  it('defers until scheduledFor before looking at preferences', () => {
    const d = decide({
      enriched: enriched({ scheduledFor: NOW + 5 * MIN }),
      now: NOW,
      preferences: prefs({ globalUnsubscribe: true }),
    });
    expect(d).toEqual({ kind: 'defer', until: NOW + 5 * MIN, reason: 'scheduled' });
  });

  it('treats a due schedule as no schedule (the scheduler re-emits it unchanged)', () => {
    expect(decide({ enriched: enriched({ scheduledFor: NOW }), now: NOW, preferences: null })).toMatchObject({
      kind: 'pass',
    });
  });

  it('suppresses a schedule that would only wake up expired', () => {
    const d = decide({
      enriched: enriched({ scheduledFor: NOW + 10 * MIN, expiresAt: NOW + 5 * MIN }),
      now: NOW,
      preferences: null,
    });
    expect(d).toMatchObject({ kind: 'suppress', reason: 'expired' });
  });

  it('applies preferences before quiet hours', () => {
    const d = decide({
      enriched: enriched(),
      now: NOW,
      preferences: { ...quietNow, globalUnsubscribe: true },
    });
    expect(d).toMatchObject({ kind: 'suppress', reason: 'global_unsubscribe' });
    const optedOut = decide({
      enriched: enriched(),
      now: NOW,
      preferences: { ...quietNow, categories: { billing: { EMAIL: false, SMS: false } } },
    });
    expect(optedOut).toMatchObject({ kind: 'suppress', reason: 'opted_out' });
  });

  it('narrows channels and reports the removed ones', () => {
    const d = decide({
      enriched: enriched(),
      now: NOW,
      preferences: prefs({ categories: { billing: { EMAIL: false } } }),
    });
    expect(d).toEqual({
      kind: 'pass',
      allowedChannels: ['SMS'],
      removed: [
        {
          channel: 'EMAIL',
          reason: 'opted_out',
          detail: "recipient opted out of EMAIL for category 'billing'",
        },
      ],
    });
  });

  it('defers to the end of quiet hours in the recipient zone', () => {
    // 12:00Z is 14:00 in Paris (outside 11-13) and 08:00 in New York (outside); 12:00 UTC is inside.
    expect(decide({ enriched: enriched(), now: NOW, preferences: quietNow })).toEqual({
      kind: 'defer',
      until: Date.parse('2025-06-10T13:00:00Z'),
      reason: 'quiet_hours',
    });
    expect(decide({ enriched: enriched({}, 'Europe/Paris'), now: NOW, preferences: quietNow })).toMatchObject(
      { kind: 'pass' },
    );
  });

  it('lets CRITICAL through quiet hours and a global unsubscribe', () => {
    const d = decide({
      enriched: enriched({ priority: 'CRITICAL' }),
      now: NOW,
      preferences: { ...quietNow, globalUnsubscribe: true },
    });
    expect(d).toMatchObject({ kind: 'pass', allowedChannels: ['EMAIL', 'SMS'] });
  });

  it('suppresses rather than defers past the expiry for quiet hours', () => {
    const d = decide({ enriched: enriched({ expiresAt: NOW + 30 * MIN }), now: NOW, preferences: quietNow });
    expect(d).toMatchObject({ kind: 'suppress', reason: 'expired' });
  });

  it('removes channels over their cap and keeps the others', () => {
    const d = decide({
      enriched: enriched(),
      now: NOW,
      preferences: null,
      capVerdicts: { EMAIL: under, SMS: over() },
    });
    expect(d).toEqual({
      kind: 'pass',
      allowedChannels: ['EMAIL'],
      removed: [
        { channel: 'SMS', reason: 'frequency_cap', detail: 'SMS over cap */SMS:3/60000ms (3 in window)' },
      ],
    });
  });

  it('suppresses with frequency_cap when every remaining channel is over cap', () => {
    const d = decide({
      enriched: enriched(),
      now: NOW,
      preferences: prefs({ categories: { billing: { EMAIL: false } } }),
      capVerdicts: { SMS: over() },
    });
    expect(d).toMatchObject({ kind: 'suppress', reason: 'frequency_cap' });
  });

  it('does not let caps override an earlier outcome', () => {
    const deferred = decideBeforeCaps({ enriched: enriched(), now: NOW, preferences: quietNow });
    expect(applyCapVerdicts(deferred, { EMAIL: over(), SMS: over() })).toBe(deferred);
  });
});

describe('planCapChecks', () => {
  const policy = [{ channel: 'SMS' as const, max: 3, windowMs: MIN }];

  it('checks only passing channels some cap limits', () => {
    const e = enriched();
    const pre = decideBeforeCaps({ enriched: e, now: NOW, preferences: null });
    expect(planCapChecks(e, pre, policy)).toEqual([
      {
        notificationId: 'n-1',
        tenantId: 't-1',
        userId: 'u-1',
        category: 'billing',
        channel: 'SMS',
        caps: [{ category: '*', channel: 'SMS', max: 3, windowMs: MIN }],
      },
    ]);
  });

  it('checks nothing for a decision that did not pass', () => {
    const e = enriched({ expiresAt: NOW });
    expect(planCapChecks(e, decideBeforeCaps({ enriched: e, now: NOW, preferences: null }), policy)).toEqual(
      [],
    );
  });
});

describe('status events', () => {
  it('reports a suppression', () => {
    const e = enriched({ expiresAt: NOW - 1 });
    const event = statusEventFor(e, decide({ enriched: e, now: NOW, preferences: null }), NOW);
    expect(event).toEqual({
      notificationId: 'n-1',
      tenantId: 't-1',
      userId: 'u-1',
      status: 'SUPPRESSED',
      stage: 'preference-filter',
      channel: null,
      provider: null,
      reason: 'expired',
      providerMessageId: null,
      occurredAt: NOW,
      attributes: { detail: 'expired at 2025-06-10T11:59:59.999Z' },
    });
  });

  it('reports a deferral with the instant as ISO 8601', () => {
    const e = enriched({ scheduledFor: Date.parse('2025-06-11T09:30:00Z') });
    const event = statusEventFor(e, decide({ enriched: e, now: NOW, preferences: null }), NOW);
    expect(event).toMatchObject({
      status: 'DEFERRED',
      reason: 'scheduled',
      attributes: { deferredUntil: '2025-06-11T09:30:00.000Z' },
    });
  });

  it('reports nothing for a pass, and a channel event for each removed channel', () => {
    const e = enriched();
    const d = decide({
      enriched: e,
      now: NOW,
      preferences: prefs({ categories: { billing: { EMAIL: false } } }),
      capVerdicts: {},
    });
    expect(statusEventFor(e, d, NOW)).toBeNull();
    expect(channelSuppressionEvents(e, d, NOW)).toEqual([
      expect.objectContaining({ status: 'SUPPRESSED', channel: 'EMAIL', reason: 'opted_out' }),
    ]);
  });
});

describe('toFiltered', () => {
  it('carries the notification with its allowed channels', () => {
    const e = enriched();
    expect(toFiltered(e, ['SMS'])).toEqual({ ...e, allowedChannels: ['SMS'] });
  });
});
