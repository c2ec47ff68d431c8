import { ConfigError } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import {
  createProviderAdapter,
  PushAdapter,
  SendGridAdapter,
  SesAdapter,
  SmtpAdapter,
  SnsAdapter,
  TwilioAdapter,
  WebhookAdapter,
  type ProviderAdapter,
} from './index.js';

describe('createProviderAdapter', () => {
  it('builds each built-in adapter for its channel', async () => {
    const adapters = [
      createProviderAdapter('sendgrid', { apiKey: 'SG.x', from: { email: 'noreply@notify.example' } }),
      createProviderAdapter('twilio', {
        accountSid: `AC${'0'.repeat(32)}`,
        authToken: 't',
        from: '+15017122661',
      }),
      createProviderAdapter('smtp', {
        url: 'smtp://127.0.0.1:2525',
        from: { email: 'noreply@notify.example' },
      }),
      createProviderAdapter('webhook', { secret: 's' }),
      createProviderAdapter('push', { projectId: 'p', accessToken: 't' }),
      createProviderAdapter('ses', { region: 'us-east-1', from: 'noreply@notify.example' }),
      createProviderAdapter('sns', { region: 'us-east-1' }),
    ];
    expect(adapters.map((a) => [a.constructor, a.provider, a.channel])).toEqual([
      [SendGridAdapter, 'sendgrid', 'EMAIL'],
      [TwilioAdapter, 'twilio', 'SMS'],
      [SmtpAdapter, 'smtp', 'EMAIL'],
      [WebhookAdapter, 'webhook', 'WEBHOOK'],
      [PushAdapter, 'push', 'PUSH'],
      [SesAdapter, 'ses', 'EMAIL'],
      [SnsAdapter, 'sns', 'SMS'],
    ]);
    await Promise.all(adapters.map((a) => a.close()));
  });

  it('uses extra factories for providers written elsewhere', () => {
    const inapp: ProviderAdapter = {
      provider: 'inapp',
      channel: 'IN_APP',
      send: async () => ({ providerMessageId: 'x' }),
      close: async () => undefined,
    };
    let seen: unknown;
    const adapter = createProviderAdapter(
      'inapp',
      { gateway: 'redis' },
      { inapp: (config) => ((seen = config), inapp) },
    );
    expect(adapter).toBe(inapp);
    expect(seen).toEqual({ gateway: 'redis' });
  });

  it('refuses a provider without an adapter', () => {
    expect(() => createProviderAdapter('inapp', {}, {})).toThrow(ConfigError);
  });
});
