import { PermanentError, Stages } from '@notify/core';
import { dispatchTopic, type RecipientProfile } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { content, filtered, recipient } from './__fixtures__/notifications.js';
import { route } from './route.js';
import { parseRoutingConfig } from './routing-config.js';

const config = parseRoutingConfig(undefined);
const NOW = 1_500_000;

describe('route', () => {
  it('makes one dispatch per chosen channel, addressed to the provider topic', () => {
    const result = route(filtered(), config, NOW);
    expect(result.dispatches.map((d) => [d.value.channel, d.provider])).toEqual([
      ['EMAIL', 'sendgrid'],
      ['SMS', 'twilio'],
      ['PUSH', 'push'],
      ['WEBHOOK', 'webhook'],
      ['IN_APP', 'inapp'],
    ]);
    for (const d of result.dispatches) expect(d.value.provider).toBe(d.provider);
    expect(dispatchTopic(result.dispatches[0]!.provider).name).toBe('notify.dispatch.sendgrid.v1');
  });

  it('fills the dispatch from the notification, the rendered template and the config', () => {
    const email = route(filtered({ channels: ['EMAIL'] }), config, NOW).dispatches[0]?.value;
    expect(email).toEqual({
      notificationId: 'n-1',
      tenantId: 'acme',
      userId: 'u-42',
      channel: 'EMAIL',
      provider: 'sendgrid',
      fallbackProviders: ['smtp'],
      to: 'ada@example.com',
      subject: 'Hello Ada',
      text: 'Hi Ada, your order A-1 shipped.',
      html: '<p>Hi Ada</p>',
      category: 'orders',
      priority: 'NORMAL',
      data: { name: 'Ada', orderId: 'A-1' },
      requestedAt: 1_000_000,
      expiresAt: 2_000_000,
      dispatchedAt: NOW,
    });
  });

  it('addresses each channel to its contact point, PUSH to the first device token only', () => {
    const to = Object.fromEntries(
      route(filtered(), config, NOW).dispatches.map((d) => [d.value.channel, d.value.to]),
    );
    expect(to).toEqual({
      EMAIL: 'ada@example.com',
      SMS: '+447700900123',
      PUSH: 'token-1',
      WEBHOOK: 'https://hooks.example.com/ada',
      IN_APP: 'u-42',
    });
  });

  it('emits ROUTED per dispatch with channel, provider and stage', () => {
    const { statusEvents } = route(filtered({ channels: ['EMAIL', 'IN_APP'] }), config, NOW);
    expect(statusEvents).toEqual([
      {
        notificationId: 'n-1',
        tenantId: 'acme',
        userId: 'u-42',
        status: 'ROUTED',
        stage: Stages.channelRouter,
        channel: 'EMAIL',
        provider: 'sendgrid',
        reason: null,
        providerMessageId: null,
        occurredAt: NOW,
        attributes: { templateVersion: '3', locale: 'en-GB', fallbackProviders: 'smtp' },
      },
      expect.objectContaining({
        status: 'ROUTED',
        channel: 'IN_APP',
        provider: 'inapp',
        stage: 'channel-router',
      }),
    ]);
  });

  it('falls back from PUSH to SMS for a recipient without device tokens', () => {
    const result = route(
      filtered({ channels: ['PUSH'], recipient: recipient({ deviceTokens: [] }) }),
      config,
      NOW,
    );
    expect(result.dispatches.map((d) => [d.value.channel, d.provider, d.value.to])).toEqual([
      ['SMS', 'twilio', '+447700900123'],
    ]);
    expect(result.statusEvents[0]).toMatchObject({
      status: 'ROUTED',
      channel: 'SMS',
      attributes: { fallbackFor: 'PUSH' },
    });
  });

  it('does not fall back when the chain is configured off', () => {
    const noChains = parseRoutingConfig('{"channelFallbacks":{}}');
    const result = route(
      filtered({ channels: ['PUSH'], recipient: recipient({ deviceTokens: [] }) }),
      noChains,
      NOW,
    );
    expect(result.dispatches).toEqual([]);
  });

  it('suppresses once with no_reachable_channel when nothing can be sent, listing why', () => {
    const result = route(
      filtered({
        channels: ['EMAIL', 'PUSH', 'WEBHOOK'],
        allowedChannels: ['PUSH', 'WEBHOOK'],
        content: [content('PUSH')],
        recipient: recipient({ deviceTokens: [] }),
      }),
      config,
      NOW,
    );
    expect(result.dispatches).toEqual([]);
    expect(result.statusEvents).toEqual([
      expect.objectContaining({
        status: 'SUPPRESSED',
        stage: Stages.channelRouter,
        channel: null,
        provider: null,
        reason: 'no_reachable_channel',
        attributes: { dropped: 'EMAIL:not_allowed,PUSH:unreachable,WEBHOOK:no_content' },
      }),
    ]);
  });

  it('reports missing template variables on the ROUTED event', () => {
    const { dispatches, statusEvents } = route(
      filtered({ channels: ['SMS'], data: { name: 'Ada' } }),
      config,
      NOW,
    );
    expect(dispatches[0]?.value.text).toBe('Hi Ada, your order  shipped.');
    expect(statusEvents[0]?.attributes.missingVariables).toBe('orderId');
  });

  it('cuts SMS to the configured length', () => {
    const short = parseRoutingConfig('{"smsMaxLength":10}');
    expect(route(filtered({ channels: ['SMS'] }), short, NOW).dispatches[0]?.value.text).toBe('Hi Ada, yo');
  });

  it('uses configured providers and rollout', () => {
    const smtpFirst = parseRoutingConfig(
      '{"channels":{"EMAIL":{"provider":"smtp","fallbackProviders":["sendgrid"]}},"rolloutPercent":{"smtp":0}}',
    );
    const email = route(filtered({ channels: ['EMAIL'] }), smtpFirst, NOW);
    expect(email.dispatches[0]).toMatchObject({
      provider: 'sendgrid',
      value: { provider: 'sendgrid', fallbackProviders: [] },
    });
    expect(email.statusEvents[0]?.attributes.skippedProviders).toBe('smtp:not_in_rollout');
  });

  it('routes around a provider with an open circuit', () => {
    const state = { disabled: new Set<never>(), openCircuits: new Set(['sendgrid'] as const) };
    const email = route(filtered({ channels: ['EMAIL'] }), config, NOW, state).dispatches[0]?.value;
    expect(email).toMatchObject({ provider: 'smtp', fallbackProviders: ['sendgrid'] });
  });

  it('suppresses a channel whose providers are all disabled and still sends the others', () => {
    const state = { disabled: new Set(['sendgrid', 'smtp'] as const), openCircuits: new Set<never>() };
    const result = route(filtered({ channels: ['EMAIL', 'SMS'] }), config, NOW, state);
    expect(result.dispatches.map((d) => d.provider)).toEqual(['twilio']);
    expect(result.statusEvents.map((e) => [e.status, e.channel, e.reason])).toEqual([
      ['SUPPRESSED', 'EMAIL', 'provider_disabled'],
      ['ROUTED', 'SMS', null],
    ]);
    expect(result.statusEvents[0]?.attributes).toEqual({ providers: 'sendgrid,smtp' });
  });

  it('also suppresses the notification when every chosen channel is disabled', () => {
    const state = { disabled: new Set(['sendgrid', 'smtp'] as const), openCircuits: new Set<never>() };
    const result = route(filtered({ channels: ['EMAIL'] }), config, NOW, state);
    expect(result.dispatches).toEqual([]);
    expect(result.statusEvents.map((e) => [e.channel, e.reason, e.attributes.dropped])).toEqual([
      ['EMAIL', 'provider_disabled', undefined],
      [null, 'no_reachable_channel', 'EMAIL:provider_disabled'],
    ]);
  });

  it('suppresses a channel whose address is undeliverable with reason undeliverable, and still sends the others', () => {
    const undeliverable = { EMAIL: new Set(['ada@example.com']) };
    const result = route(filtered({ channels: ['EMAIL', 'SMS'] }), config, NOW, undefined, undeliverable);
    expect(result.dispatches.map((d) => d.value.channel)).toEqual(['SMS']);
    expect(result.statusEvents.map((e) => [e.status, e.channel, e.reason, e.attributes])).toEqual([
      ['SUPPRESSED', 'EMAIL', 'undeliverable', {}],
      ['ROUTED', 'SMS', null, expect.any(Object)],
    ]);
    expect(result.statusEvents[0]).toMatchObject({ stage: Stages.channelRouter, provider: null });
  });

  it("routes an undeliverable channel's fallback, saying so on both events", () => {
    const emailToSms = parseRoutingConfig('{"channelFallbacks":{"EMAIL":["SMS"]}}');
    const result = route(filtered({ channels: ['EMAIL'] }), emailToSms, NOW, undefined, { EMAIL: new Set(['ada@example.com']) });
    expect(result.dispatches.map((d) => [d.value.channel, d.value.to])).toEqual([['SMS', '+447700900123']]);
    expect(result.statusEvents.map((e) => [e.status, e.channel, e.reason, e.attributes.replacedBy ?? e.attributes.fallbackFor])).toEqual([
      ['SUPPRESSED', 'EMAIL', 'undeliverable', 'SMS'],
      ['ROUTED', 'SMS', null, 'EMAIL'],
    ]);
  });

  it('suppresses the notification when its only channel is undeliverable', () => {
    const result = route(filtered({ channels: ['SMS'] }), config, NOW, undefined, { SMS: new Set(['+447700900123']) });
    expect(result.dispatches).toEqual([]);
    expect(result.statusEvents.map((e) => [e.channel, e.reason, e.attributes.dropped])).toEqual([
      ['SMS', 'undeliverable', undefined],
      [null, 'no_reachable_channel', 'SMS:undeliverable'],
    ]);
  });

  it('sends PUSH to the first device token not marked undeliverable', () => {
    const result = route(filtered({ channels: ['PUSH'] }), config, NOW, undefined, { PUSH: new Set(['token-1']) });
    expect(result.dispatches.map((d) => d.value.to)).toEqual(['token-2']);
  });

  describe('PUSH by device platform', () => {
    const byPlatform = parseRoutingConfig(
      JSON.stringify({
        channels: { PUSH: { provider: 'push', fallbackProviders: ['apns'] } },
        pushPlatformProviders: { ios: 'apns', android: 'push' },
      }),
    );
    const pushTo = (devices: RecipientProfile['devices'], deviceTokens: string[] = [], config = byPlatform) =>
      route(filtered({ channels: ['PUSH'], recipient: recipient({ devices, deviceTokens }) }), config, NOW);

    it('sends an iOS device to APNs with no fallback, saying which platform', () => {
      const { dispatches, statusEvents } = pushTo([{ token: 'apns-1', platform: 'IOS' }], ['legacy']);
      expect(dispatches).toHaveLength(1);
      expect(dispatches[0]).toMatchObject({
        provider: 'apns',
        value: { provider: 'apns', fallbackProviders: [], to: 'apns-1' },
      });
      expect(statusEvents[0]?.attributes).toMatchObject({ platform: 'ios' });
      expect(statusEvents[0]?.attributes.fallbackProviders).toBeUndefined();
    });

    it('sends an Android device to FCM', () => {
      expect(pushTo([{ token: 'fcm-1', platform: 'ANDROID' }]).dispatches[0]).toMatchObject({
        provider: 'push',
        value: { fallbackProviders: [], to: 'fcm-1' },
      });
    });

    it("sends a token of unknown platform, or a platform not listed, through the channel's route", () => {
      expect(pushTo([], ['legacy']).dispatches[0]).toMatchObject({
        provider: 'push',
        value: { fallbackProviders: ['apns'], to: 'legacy' },
      });
      expect(pushTo([{ token: 'web-1', platform: 'WEB' }]).dispatches[0]).toMatchObject({
        provider: 'push',
        value: { fallbackProviders: ['apns'], to: 'web-1' },
      });
      expect(pushTo([{ token: 'apns-1', platform: 'IOS' }], [], config).dispatches[0]?.provider).toBe('push');
    });

    it('sends one dispatch, to the first device, through its platform provider', () => {
      const both = pushTo([
        { token: 'fcm-1', platform: 'ANDROID' },
        { token: 'apns-1', platform: 'IOS' },
      ]);
      expect(both.dispatches.map((d) => [d.provider, d.value.to])).toEqual([['push', 'fcm-1']]);
    });

    it('moves to the next device when the first is undeliverable, with its own provider', () => {
      const devices: RecipientProfile['devices'] = [
        { token: 'fcm-1', platform: 'ANDROID' },
        { token: 'apns-1', platform: 'IOS' },
      ];
      const result = route(
        filtered({ channels: ['PUSH'], recipient: recipient({ devices, deviceTokens: [] }) }),
        byPlatform,
        NOW,
        undefined,
        { PUSH: new Set(['fcm-1']) },
      );
      expect(result.dispatches.map((d) => [d.provider, d.value.to])).toEqual([['apns', 'apns-1']]);
    });

    it('suppresses PUSH when the platform provider is disabled rather than use another', () => {
      const state = { disabled: new Set(['apns'] as const), openCircuits: new Set<never>() };
      const result = route(
        filtered({ channels: ['PUSH'], recipient: recipient({ devices: [{ token: 'apns-1', platform: 'IOS' }] }) }),
        byPlatform,
        NOW,
        state,
      );
      expect(result.dispatches).toEqual([]);
      expect(result.statusEvents[0]).toMatchObject({
        channel: 'PUSH',
        reason: 'provider_disabled',
        attributes: { providers: 'apns' },
      });
    });
  });

  it('throws a PermanentError on a broken template, so the record is dead-lettered whole', () => {
    const broken = filtered({ content: [content('EMAIL'), content('SMS', { body: '{{#if x}}' })] });
    expect(() => route(broken, config, NOW)).toThrow(PermanentError);
    expect(() => route(broken, config, NOW)).toThrow(/template order-shipped v3 \(SMS, en-GB\) body/);
  });

  it('is pure: the same input gives the same output and the input is not changed', () => {
    const input = filtered();
    const snapshot = structuredClone(input);
    expect(route(input, config, NOW)).toEqual(route(input, config, NOW));
    expect(input).toEqual(snapshot);
  });
});
