import {
  toPushPlatform,
  type DevicePlatform,
  type Notification,
  type NotificationEnriched,
  type RecipientProfile,
} from '@notify/schemas';
import { localeFallbackChain, normalizeLocale } from './locale-fallback.js';
import { resolveContent, type TemplateVariant } from './resolve-content.js';

/** A recipient as stored (a RecipientDoc from @notify/stores fits). */
export interface RecipientSource {
  email?: string | null;
  phone?: string | null;
  deviceTokens?: readonly string[];
  devices?: ReadonlyArray<{ token: string; platform: DevicePlatform }>;
  webhookUrl?: string | null;
  locale?: string | null;
  timezone?: string | null;
}

export type EnrichFailureReason =
  'unknown_recipient' | 'unknown_template' | 'no_content_for_requested_channels';

export type EnrichResult =
  | { kind: 'enriched'; value: NotificationEnriched }
  | { kind: 'failed'; reason: EnrichFailureReason; detail: string };

/** Time zone of a recipient without one. */
export const DEFAULT_TIMEZONE = 'UTC';

function toProfile(recipient: RecipientSource, tenantDefaultLocale: string): RecipientProfile {
  const locale =
    (recipient.locale && normalizeLocale(recipient.locale)) ||
    normalizeLocale(tenantDefaultLocale) ||
    tenantDefaultLocale;
  return {
    email: recipient.email ?? null,
    phone: recipient.phone ?? null,
    deviceTokens: [...(recipient.deviceTokens ?? [])],
    devices: (recipient.devices ?? []).map(({ token, platform }) => ({
      token,
      platform: toPushPlatform(platform),
    })),
    webhookUrl: recipient.webhookUrl ?? null,
    locale,
    timezone: recipient.timezone || DEFAULT_TIMEZONE,
  };
}

/**
 * Attaches the recipient profile and the template content, per channel, in the recipient's locale or
 * the nearest fallback. Fails when the recipient or template is unknown, or when no requested channel
 * has content in any locale of the chain; channels without content are otherwise left out.
 */
export function enrich(
  notification: Notification,
  recipient: RecipientSource | undefined,
  templates: readonly TemplateVariant[],
  tenantDefaultLocale: string,
): EnrichResult {
  const { tenantId, userId, templateId, channels } = notification;
  if (!recipient) {
    return {
      kind: 'failed',
      reason: 'unknown_recipient',
      detail: `recipient ${userId} of tenant ${tenantId} not found`,
    };
  }
  if (templates.length === 0) {
    return {
      kind: 'failed',
      reason: 'unknown_template',
      detail: `template ${templateId} of tenant ${tenantId} not found`,
    };
  }
  const chain = localeFallbackChain(recipient.locale, tenantDefaultLocale);
  const content = resolveContent(templates, chain, channels);
  if (content.length === 0) {
    const asked = channels.length > 0 ? channels.join(', ') : 'any channel';
    return {
      kind: 'failed',
      reason: 'no_content_for_requested_channels',
      detail: `template ${templateId} has no content for ${asked} in locales ${chain.join(', ')}`,
    };
  }
  return {
    kind: 'enriched',
    value: { notification, recipient: toProfile(recipient, tenantDefaultLocale), content },
  };
}
