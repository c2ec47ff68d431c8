import { ConfigError } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { PushAdapter, SendGridAdapter, SesAdapter, SmtpAdapter, SnsAdapter, TwilioAdapter, WebhookAdapter } from './index.js';
import { loadProviderAdapter } from './load-adapter.js';

describe('loadProviderAdapter', () => {
  it('loads the adapter of each built-in provider', async () => {
    const adapters = await Promise.all([
      loadProviderAdapter('sendgrid', { apiKey: 'SG.x', from: { email: 'noreply@notify.example' } }),
      loadProviderAdapter('twilio', { accountSid: `AC${'0'.repeat(32)}`, authToken: 't', from: '+15017122661' }),
      loadProviderAdapter('smtp', { url: 'smtp://127.0.0.1:2525', from: { email: 'noreply@notify.example' } }),
      loadProviderAdapter('webhook', { secret: 's' }),
      loadProviderAdapter('push', { projectId: 'p', accessToken: 't' }),
      loadProviderAdapter('ses', { region: 'us-east-1', from: 'noreply@notify.example' }),
      loadProviderAdapter('sns', { region: 'us-east-1' }),
    ]);
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

  it('refuses a provider without an adapter', async () => {
    await expect(loadProviderAdapter('carrier-pigeon' as never, {} as never)).rejects.toBeInstanceOf(ConfigError);
  });
});
