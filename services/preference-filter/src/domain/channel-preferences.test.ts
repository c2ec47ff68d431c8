import { describe, expect, it } from 'vitest';
import {
  resolveChannelPreferences,
  type ChannelPreferenceInput,
  type ChannelPreferences,
} from './channel-preferences.js';

function input(overrides: Partial<ChannelPreferenceInput> = {}): ChannelPreferenceInput {
  return {
    category: 'billing',
    priority: 'NORMAL',
    requested: ['EMAIL', 'SMS', 'PUSH'],
    withContent: ['EMAIL', 'SMS', 'PUSH', 'IN_APP'],
    preferences: null,
    ...overrides,
  };
}

function prefs(overrides: Partial<ChannelPreferences> = {}): ChannelPreferences {
  return { globalUnsubscribe: false, categories: {}, ...overrides };
}

describe('resolveChannelPreferences', () => {
  it('allows every requested channel, in request order, when the recipient has no preferences', () => {
    expect(resolveChannelPreferences(input({ requested: ['PUSH', 'EMAIL'] }))).toEqual({
      kind: 'allowed',
      channels: ['PUSH', 'EMAIL'],
      optedOut: [],
    });
  });

  it('uses every channel with content when none is requested', () => {
    const out = resolveChannelPreferences(
      input({ requested: [], withContent: ['IN_APP', 'EMAIL', 'EMAIL'] }),
    );
    expect(out).toEqual({ kind: 'allowed', channels: ['IN_APP', 'EMAIL'], optedOut: [] });
  });

  it('suppresses with no_channels when nothing is requested and the template has no content', () => {
    const out = resolveChannelPreferences(input({ requested: [], withContent: [] }));
    expect(out).toMatchObject({ kind: 'suppressed', reason: 'no_channels' });
  });

  it('removes channels opted out for the category and keeps the order of the rest', () => {
    const out = resolveChannelPreferences(
      input({
        preferences: prefs({
          categories: { billing: { SMS: false, EMAIL: true }, marketing: { PUSH: false } },
        }),
      }),
    );
    expect(out).toEqual({ kind: 'allowed', channels: ['EMAIL', 'PUSH'], optedOut: ['SMS'] });
  });

  it('treats missing categories and channels as opted in', () => {
    const out = resolveChannelPreferences(
      input({ category: 'security', preferences: prefs({ categories: { billing: { SMS: false } } }) }),
    );
    expect(out).toMatchObject({ kind: 'allowed', channels: ['EMAIL', 'SMS', 'PUSH'] });
  });

  it('suppresses with opted_out when every requested channel is opted out', () => {
    const out = resolveChannelPreferences(
      input({
        requested: ['SMS', 'PUSH'],
        preferences: prefs({ categories: { billing: { SMS: false, PUSH: false } } }),
      }),
    );
    expect(out).toMatchObject({ kind: 'suppressed', reason: 'opted_out' });
    expect(out.kind === 'suppressed' && out.detail).toContain('SMS, PUSH');
  });

  it('suppresses everything but CRITICAL on a global unsubscribe', () => {
    for (const priority of ['LOW', 'NORMAL', 'HIGH'] as const) {
      const out = resolveChannelPreferences(
        input({ priority, preferences: prefs({ globalUnsubscribe: true }) }),
      );
      expect(out).toMatchObject({ kind: 'suppressed', reason: 'global_unsubscribe' });
    }
  });

  it('sends CRITICAL despite a global unsubscribe', () => {
    const out = resolveChannelPreferences(
      input({ priority: 'CRITICAL', preferences: prefs({ globalUnsubscribe: true }) }),
    );
    expect(out).toEqual({ kind: 'allowed', channels: ['EMAIL', 'SMS', 'PUSH'], optedOut: [] });
  });

  it('still honours explicit per-category opt-outs for CRITICAL', () => {
    const p = prefs({ globalUnsubscribe: true, categories: { billing: { SMS: false } } });
    expect(resolveChannelPreferences(input({ priority: 'CRITICAL', preferences: p }))).toEqual({
      kind: 'allowed',
      channels: ['EMAIL', 'PUSH'],
      optedOut: ['SMS'],
    });
    const all = prefs({ categories: { billing: { EMAIL: false, SMS: false, PUSH: false } } });
    expect(resolveChannelPreferences(input({ priority: 'CRITICAL', preferences: all }))).toMatchObject({
      kind: 'suppressed',
      reason: 'opted_out',
    });
  });

  it('drops repeated requested channels', () => {
    const out = resolveChannelPreferences(input({ requested: ['SMS', 'EMAIL', 'SMS'] }));
    expect(out).toMatchObject({ channels: ['SMS', 'EMAIL'] });
  });
});
