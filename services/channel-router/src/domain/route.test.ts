import { PermanentError, Stages } from '@notify/core';
import { dispatchTopic } from '@notify/schemas';
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
