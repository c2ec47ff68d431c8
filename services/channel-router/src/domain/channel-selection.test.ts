import type { Channel } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { ALL_CHANNELS, content, recipient } from './__fixtures__/notifications.js';
import { selectChannels, type ChannelSelectionInput } from './channel-selection.js';

const PUSH_TO_SMS = { PUSH: ['SMS'] } satisfies Partial<Record<Channel, Channel[]>>;

function input(overrides: Partial<ChannelSelectionInput> = {}): ChannelSelectionInput {
  return {
    requested: [],
    allowed: ALL_CHANNELS,
    content: ALL_CHANNELS.map((c) => content(c)),
    recipient: recipient(),
    ...overrides,
  };
}

const chosenChannels = (i: ChannelSelectionInput, fallbacks = {}) =>
  selectChannels(i, fallbacks).chosen.map((c) => c.channel);

describe('selectChannels', () => {
  it('uses every channel the content has when none is requested, in content order', () => {
    const i = input({ content: [content('SMS'), content('EMAIL')] });
    expect(chosenChannels(i)).toEqual(['SMS', 'EMAIL']);
  });

  it('keeps the requested order and ignores repeats', () => {
    expect(chosenChannels(input({ requested: ['IN_APP', 'EMAIL', 'IN_APP'] }))).toEqual(['IN_APP', 'EMAIL']);
  });

  it('drops channels that are not allowed', () => {
    const result = selectChannels(input({ requested: ['EMAIL', 'SMS'], allowed: ['SMS'] }), {});
    expect(result.chosen).toEqual([{ channel: 'SMS', fallbackFor: null }]);
    expect(result.dropped).toEqual([{ channel: 'EMAIL', reason: 'not_allowed', replacedBy: null }]);
  });

  it('drops channels without content', () => {
    const result = selectChannels(
      input({ requested: ['EMAIL', 'WEBHOOK'], content: [content('EMAIL')] }),
      {},
    );
    expect(result.chosen.map((c) => c.channel)).toEqual(['EMAIL']);
    expect(result.dropped).toEqual([{ channel: 'WEBHOOK', reason: 'no_content', replacedBy: null }]);
  });

  it('drops unreachable channels when there is no fallback chain', () => {
    const result = selectChannels(
      input({ requested: ['EMAIL', 'IN_APP'], recipient: recipient({ email: null }) }),
      {},
    );
    expect(result.chosen.map((c) => c.channel)).toEqual(['IN_APP']);
    expect(result.dropped).toEqual([{ channel: 'EMAIL', reason: 'unreachable', replacedBy: null }]);
  });

  it('reports not_allowed before no_content before unreachable', () => {
    const i = input({
      requested: ['EMAIL', 'SMS'],
      allowed: ['SMS'],
      content: [],
      recipient: recipient({ email: null, phone: null }),
    });
    expect(selectChannels(i, {}).dropped.map((d) => d.reason)).toEqual(['not_allowed', 'no_content']);
  });

  it('falls back from PUSH to SMS when the recipient has no device token', () => {
    const result = selectChannels(
      input({ requested: ['PUSH'], recipient: recipient({ deviceTokens: [] }) }),
      PUSH_TO_SMS,
    );
    expect(result.chosen).toEqual([{ channel: 'SMS', fallbackFor: 'PUSH' }]);
    expect(result.dropped).toEqual([{ channel: 'PUSH', reason: 'unreachable', replacedBy: 'SMS' }]);
  });

  it('puts the stand-in where the channel it replaces was requested', () => {
    const i = input({ requested: ['EMAIL', 'PUSH', 'IN_APP'], recipient: recipient({ deviceTokens: [] }) });
    expect(chosenChannels(i, PUSH_TO_SMS)).toEqual(['EMAIL', 'SMS', 'IN_APP']);
  });

  it('does not fall back from a channel that is not allowed or has no content', () => {
    const noPushAllowed = input({
      requested: ['PUSH'],
      allowed: ['SMS'],
      recipient: recipient({ deviceTokens: [] }),
    });
    expect(chosenChannels(noPushAllowed, PUSH_TO_SMS)).toEqual([]);
    const noPushContent = input({
      requested: ['PUSH'],
      content: [content('SMS')],
      recipient: recipient({ deviceTokens: [] }),
    });
    expect(chosenChannels(noPushContent, PUSH_TO_SMS)).toEqual([]);
  });

  it('requires the fallback channel itself to be allowed, have content and be reachable', () => {
    const base = { requested: ['PUSH'] as Channel[], recipient: recipient({ deviceTokens: [] }) };
    expect(chosenChannels(input({ ...base, allowed: ['PUSH'] }), PUSH_TO_SMS)).toEqual([]);
    expect(chosenChannels(input({ ...base, content: [content('PUSH')] }), PUSH_TO_SMS)).toEqual([]);
    expect(
      chosenChannels(
        input({ requested: ['PUSH'], recipient: recipient({ deviceTokens: [], phone: null }) }),
        PUSH_TO_SMS,
      ),
    ).toEqual([]);
  });

  it('takes the first usable channel of the chain', () => {
    const i = input({ requested: ['PUSH'], recipient: recipient({ deviceTokens: [], phone: null }) });
    expect(selectChannels(i, { PUSH: ['SMS', 'EMAIL', 'IN_APP'] }).chosen).toEqual([
      { channel: 'EMAIL', fallbackFor: 'PUSH' },
    ]);
  });

  it('does not add a fallback channel that is already chosen, wherever it was requested', () => {
    const i = input({ requested: ['PUSH', 'SMS'], recipient: recipient({ deviceTokens: [] }) });
    const result = selectChannels(i, PUSH_TO_SMS);
    expect(result.chosen).toEqual([{ channel: 'SMS', fallbackFor: null }]);
    expect(result.dropped).toEqual([{ channel: 'PUSH', reason: 'unreachable', replacedBy: null }]);
  });

  it('does not add one stand-in for two unreachable channels', () => {
    const i = input({
      requested: ['PUSH', 'WEBHOOK'],
      recipient: recipient({ deviceTokens: [], webhookUrl: null }),
    });
    const result = selectChannels(i, { PUSH: ['SMS'], WEBHOOK: ['SMS'] });
    expect(result.chosen).toEqual([{ channel: 'SMS', fallbackFor: 'PUSH' }]);
    expect(result.dropped.map((d) => d.replacedBy)).toEqual(['SMS', null]);
  });

  it('drops a channel whose addresses are all undeliverable, and falls back from it like an unreachable one', () => {
    const undeliverable = { EMAIL: new Set(['ada@example.com']) };
    const dropped = selectChannels(input({ requested: ['EMAIL', 'IN_APP'], undeliverable }), {});
    expect(dropped.chosen).toEqual([{ channel: 'IN_APP', fallbackFor: null }]);
    expect(dropped.dropped).toEqual([{ channel: 'EMAIL', reason: 'undeliverable', replacedBy: null }]);
    const replaced = selectChannels(input({ requested: ['EMAIL'], undeliverable }), { EMAIL: ['SMS'] });
    expect(replaced.chosen).toEqual([{ channel: 'SMS', fallbackFor: 'EMAIL' }]);
    expect(replaced.dropped).toEqual([{ channel: 'EMAIL', reason: 'undeliverable', replacedBy: 'SMS' }]);
  });

  it('does not stand in with an undeliverable channel', () => {
    const i = input({ requested: ['PUSH'], recipient: recipient({ deviceTokens: [] }), undeliverable: { SMS: new Set(['+447700900123']) } });
    expect(selectChannels(i, { PUSH: ['SMS', 'EMAIL'] }).chosen).toEqual([{ channel: 'EMAIL', fallbackFor: 'PUSH' }]);
  });

  it('keeps a channel with another deliverable address, and ignores marks on addresses the recipient no longer has', () => {
    const push = input({ requested: ['PUSH'], undeliverable: { PUSH: new Set(['token-1']) } });
    expect(chosenChannels(push)).toEqual(['PUSH']);
    const moved = input({ requested: ['EMAIL'], recipient: recipient({ email: 'ada@new.example.com' }), undeliverable: { EMAIL: new Set(['ada@example.com']) } });
    expect(chosenChannels(moved)).toEqual(['EMAIL']);
  });

  it('does not follow chains transitively', () => {
    const i = input({ requested: ['PUSH'], recipient: recipient({ deviceTokens: [], phone: null }) });
    expect(chosenChannels(i, { PUSH: ['SMS'], SMS: ['EMAIL'] })).toEqual([]);
  });
});
