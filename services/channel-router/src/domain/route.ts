import { ErrorCodes, PermanentError, Stages, statusEvent } from '@notify/core';
import {
  toDevicePlatform,
  type Channel,
  type Dispatch,
  type NotificationFiltered,
  type NotificationStatusEvent,
  type Provider,
  type PushPlatform,
  type TemplateContent,
} from '@notify/schemas';
import { channelRouteFor } from './channel-route.js';
import { selectChannels } from './channel-selection.js';
import {
  ALL_PROVIDERS_HEALTHY,
  chooseProvider,
  type ProviderChoice,
  type ProviderState,
} from './provider-choice.js';
import { deliverableAddresses, pushPlatformOf } from './reachability.js';
import { renderContent, type RenderedContent } from './render.js';
import type { RoutingConfig } from './routing-config.js';
import { NONE_UNDELIVERABLE, type UndeliverableAddresses } from './undeliverable.js';

export interface RoutedDispatch {
  /** The caller produces `value` to dispatchTopic(provider). */
  provider: Provider;
  value: Dispatch;
}

export interface RouteResult {
  dispatches: RoutedDispatch[];
  statusEvents: NotificationStatusEvent[];
}

/**
 * Turns a filtered notification into one Dispatch per chosen channel, plus status events.
 *
 * One dispatch per channel, never per address: the senders' delivery ledger is keyed by
 * (notification id, channel), so a second dispatch on the same channel would be taken for a duplicate.
 * For PUSH, `to` is therefore the recipient's first push token: its devices in profile order, then its
 * tokens of unknown platform (enrichment lists the preferred device first). The device's platform may
 * pick the provider (channelRouteFor). The other addresses are `to` = email, phone, webhook URL, or the user id for
 * IN_APP. Addresses in `undeliverable` (hard bounces, complaints) are skipped; a channel left without
 * one falls back along its chain like an unreachable channel.
 *
 * Status events: ROUTED per dispatch (channel, provider, details in attributes); SUPPRESSED with
 * reason `undeliverable` for a requested channel whose addresses are all marked undeliverable (its
 * stand-in, if any, in `attributes.replacedBy`); SUPPRESSED with reason `provider_disabled` for a
 * chosen channel whose providers are all switched off; and, when no dispatch results, one SUPPRESSED
 * for the notification with reason `no_reachable_channel` and the dropped channels in
 * `attributes.dropped` (`CHANNEL:reason,...`).
 *
 * Throws PermanentError (code VALIDATION) on a template error, so the record is dead-lettered whole
 * and can be replayed once the template is fixed.
 */
export function route(
  filtered: NotificationFiltered,
  config: RoutingConfig,
  now: number,
  providerState: ProviderState = ALL_PROVIDERS_HEALTHY,
  undeliverable: UndeliverableAddresses = NONE_UNDELIVERABLE,
): RouteResult {
  const n = filtered.notification;
  const selection = selectChannels(
    {
      requested: n.channels,
      allowed: filtered.allowedChannels,
      content: filtered.content,
      recipient: filtered.recipient,
      undeliverable,
    },
    config.channelFallbacks,
  );

  const dispatches: RoutedDispatch[] = [];
  const statusEvents: NotificationStatusEvent[] = [];
  const notSent: Array<{ channel: Channel; reason: string }> = selection.dropped.map(
    ({ channel, reason }) => ({
      channel,
      reason,
    }),
  );
  for (const { channel, reason, replacedBy } of selection.dropped) {
    if (reason !== 'undeliverable') continue;
    statusEvents.push(
      statusEvent(n, Stages.channelRouter, 'SUPPRESSED', now, {
        channel,
        reason,
        attributes: replacedBy ? { replacedBy } : {},
      }),
    );
  }

  for (const { channel, fallbackFor } of selection.chosen) {
    const content = contentFor(filtered.content, channel);
    const rendered = renderContent(content, n.data, {
      templateId: n.templateId,
      smsMaxLength: config.smsMaxLength,
    });
    const { to, platform } = targetOf(filtered, channel, undeliverable);
    const channelRoute = channelRouteFor(config, channel, platform);
    const choice = chooseProvider(channelRoute, n, config.rolloutPercent, providerState);
    if (choice === null) {
      notSent.push({ channel, reason: 'provider_disabled' });
      statusEvents.push(
        statusEvent(n, Stages.channelRouter, 'SUPPRESSED', now, {
          channel,
          reason: 'provider_disabled',
          attributes: { providers: [channelRoute.provider, ...channelRoute.fallbackProviders].join(',') },
        }),
      );
      continue;
    }
    dispatches.push({
      provider: choice.provider,
      value: dispatch(filtered, channel, choice, to, rendered, now),
    });
    statusEvents.push(
      statusEvent(n, Stages.channelRouter, 'ROUTED', now, {
        channel,
        provider: choice.provider,
        attributes: routedAttributes(content, choice, rendered, fallbackFor, platform),
      }),
    );
  }

  if (dispatches.length === 0) {
    statusEvents.push(
      statusEvent(n, Stages.channelRouter, 'SUPPRESSED', now, {
        reason: 'no_reachable_channel',
        attributes: { dropped: notSent.map((d) => `${d.channel}:${d.reason}`).join(',') },
      }),
    );
  }
  return { dispatches, statusEvents };
}

/** Where a chosen channel's dispatch goes: its first deliverable address and, for PUSH, that device's platform. */
function targetOf(
  filtered: NotificationFiltered,
  channel: Channel,
  undeliverable: UndeliverableAddresses,
): { to: string; platform: PushPlatform | null } {
  const to = deliverableAddresses(
    filtered.recipient,
    channel,
    filtered.notification.userId,
    undeliverable,
  )[0];
  // selectChannels only chooses channels with a deliverable address.
  if (to === undefined)
    throw new PermanentError(ErrorCodes.INTERNAL, `no address for chosen channel ${channel}`);
  return { to, platform: channel === 'PUSH' ? pushPlatformOf(filtered.recipient, to) : null };
}

function contentFor(content: readonly TemplateContent[], channel: Channel): TemplateContent {
  const found = content.find((c) => c.channel === channel);
  // selectChannels only chooses channels that have content.
  if (found === undefined)
    throw new PermanentError(ErrorCodes.INTERNAL, `no content for chosen channel ${channel}`);
  return found;
}

function dispatch(
  filtered: NotificationFiltered,
  channel: Channel,
  choice: ProviderChoice,
  to: string,
  rendered: RenderedContent,
  now: number,
): Dispatch {
  const n = filtered.notification;
  return {
    notificationId: n.notificationId,
    tenantId: n.tenantId,
    userId: n.userId,
    channel,
    provider: choice.provider,
    fallbackProviders: choice.fallbackProviders,
    to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    category: n.category,
    priority: n.priority,
    data: n.data,
    requestedAt: n.requestedAt,
    expiresAt: n.expiresAt,
    dispatchedAt: now,
  };
}

function routedAttributes(
  content: TemplateContent,
  choice: ProviderChoice,
  rendered: RenderedContent,
  fallbackFor: Channel | null,
  platform: PushPlatform | null,
): Record<string, string> {
  const attributes: Record<string, string> = {
    templateVersion: String(content.version),
    locale: content.locale,
  };
  if (choice.fallbackProviders.length > 0) attributes.fallbackProviders = choice.fallbackProviders.join(',');
  if (choice.skipped.length > 0)
    attributes.skippedProviders = choice.skipped.map((s) => `${s.provider}:${s.reason}`).join(',');
  if (fallbackFor !== null) attributes.fallbackFor = fallbackFor;
  if (platform !== null) attributes.platform = toDevicePlatform(platform);
  if (rendered.missingVariables.length > 0) attributes.missingVariables = rendered.missingVariables.join(',');
  return attributes;
}
