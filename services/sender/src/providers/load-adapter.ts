import { ConfigError } from '@notify/runtime';
import type { BuiltInProvider, ProviderConfigs } from './index.js';
import type { ProviderAdapter } from './provider-adapter.js';

/**
 * The adapter of the one provider a sender serves, with only that provider's SDK loaded: each SDK costs
 * a sender tens of MiB of memory, and a sender never uses the others'.
 */
export async function loadProviderAdapter(provider: BuiltInProvider, config: ProviderConfigs[BuiltInProvider]): Promise<ProviderAdapter> {
  switch (provider) {
    case 'sendgrid':
      return new (await import('./sendgrid.js')).SendGridAdapter(config as ProviderConfigs['sendgrid']);
    case 'twilio':
      return new (await import('./twilio.js')).TwilioAdapter(config as ProviderConfigs['twilio']);
    case 'smtp':
      return new (await import('./smtp.js')).SmtpAdapter(config as ProviderConfigs['smtp']);
    case 'webhook':
      return new (await import('./webhook.js')).WebhookAdapter(config as ProviderConfigs['webhook']);
    case 'push':
      return new (await import('./push.js')).PushAdapter(config as ProviderConfigs['push']);
    case 'ses':
      return new (await import('./ses.js')).SesAdapter(config as ProviderConfigs['ses']);
    case 'sns':
      return new (await import('./sns.js')).SnsAdapter(config as ProviderConfigs['sns']);
    case 'apns':
      return new (await import('./apns.js')).ApnsAdapter(config as ProviderConfigs['apns']);
    default:
      throw new ConfigError([`no adapter for provider ${String(provider)}`]);
  }
}
