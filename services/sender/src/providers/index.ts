import { ConfigError } from '@notify/runtime';
import type { Provider } from '@notify/schemas';
import type { ProviderAdapter } from './provider-adapter.js';
import { PushAdapter, type PushConfig } from './push.js';
import { SendGridAdapter, type SendGridConfig } from './sendgrid.js';
import { ApnsAdapter, type ApnsConfig } from './apns.js';
import { SesAdapter, type SesConfig } from './ses.js';
import { SmtpAdapter, type SmtpConfig } from './smtp.js';
import { SnsAdapter, type SnsConfig } from './sns.js';
import { TwilioAdapter, type TwilioConfig } from './twilio.js';
import { WebhookAdapter, type WebhookConfig } from './webhook.js';

export type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
export { SendGridAdapter, SENDGRID_DEFAULT_BASE_URL, type SendGridConfig } from './sendgrid.js';
export { TwilioAdapter, type TwilioConfig } from './twilio.js';
export { SmtpAdapter, messageIdFor, smtpReplyToHttpStatus, type SmtpConfig } from './smtp.js';
export { WebhookAdapter, type WebhookConfig } from './webhook.js';
export { signWebhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './webhook-signature.js';
export { PushAdapter, FCM_DEFAULT_BASE_URL, type PushConfig } from './push.js';
export { ApnsAdapter, APNS_DEFAULT_BASE_URL, APNS_SANDBOX_BASE_URL, type ApnsConfig } from './apns.js';
export { SesAdapter, type SesConfig } from './ses.js';
export { SnsAdapter, SNS_SMS_TYPES, type SnsConfig, type SnsSmsType } from './sns.js';
export type { AwsConnection } from './aws-connection.js';
export { parseRetryAfter } from './retry-after.js';

/** The config each built-in adapter takes. */
export interface ProviderConfigs {
  sendgrid: SendGridConfig;
  twilio: TwilioConfig;
  smtp: SmtpConfig;
  webhook: WebhookConfig;
  push: PushConfig;
  ses: SesConfig;
  sns: SnsConfig;
  apns: ApnsConfig;
}

export type BuiltInProvider = keyof ProviderConfigs;

/** Adapters written elsewhere (in-app), keyed by provider; each gets the config passed to the factory. */
export type ExtraAdapterFactories = Partial<Record<Provider, (config: unknown) => ProviderAdapter>>;

const BUILT_IN: { [P in BuiltInProvider]: (config: ProviderConfigs[P]) => ProviderAdapter } = {
  sendgrid: (config) => new SendGridAdapter(config),
  twilio: (config) => new TwilioAdapter(config),
  smtp: (config) => new SmtpAdapter(config),
  webhook: (config) => new WebhookAdapter(config),
  push: (config) => new PushAdapter(config),
  ses: (config) => new SesAdapter(config),
  sns: (config) => new SnsAdapter(config),
  apns: (config) => new ApnsAdapter(config),
};

function isBuiltIn(provider: string): provider is BuiltInProvider {
  return Object.hasOwn(BUILT_IN, provider);
}

/**
 * The adapter for one provider. Extra factories take precedence, so a deployment can also replace a
 * built-in adapter; a provider with neither is a configuration error.
 */
export function createProviderAdapter<P extends BuiltInProvider>(
  provider: P,
  config: ProviderConfigs[P],
): ProviderAdapter;
export function createProviderAdapter(
  provider: Provider,
  config: unknown,
  extra: ExtraAdapterFactories,
): ProviderAdapter;
export function createProviderAdapter(
  provider: Provider,
  config: unknown,
  extra: ExtraAdapterFactories = {},
): ProviderAdapter {
  const factory = extra[provider];
  if (factory) return factory(config);
  if (isBuiltIn(provider)) return (BUILT_IN[provider] as (config: unknown) => ProviderAdapter)(config);
  throw new ConfigError([`no adapter for provider ${provider}`]);
}
