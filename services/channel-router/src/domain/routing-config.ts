import { ValidationError, type FieldIssue } from '@notify/core';
import {
  ChannelValues,
  DEVICE_PLATFORMS,
  PROVIDERS,
  type Channel,
  type DevicePlatform,
  type Provider,
} from '@notify/schemas';
import { z } from 'zod';

/** The channel each provider can deliver on; a route naming a provider for another channel is rejected. */
export const PROVIDER_CHANNEL: Readonly<Record<Provider, Channel>> = {
  sendgrid: 'EMAIL',
  smtp: 'EMAIL',
  ses: 'EMAIL',
  twilio: 'SMS',
  sns: 'SMS',
  push: 'PUSH',
  apns: 'PUSH',
  webhook: 'WEBHOOK',
  inapp: 'IN_APP',
};

export interface ChannelRoute {
  provider: Provider;
  /** Providers to fail over to, in order. */
  fallbackProviders: Provider[];
}

export interface RoutingConfig {
  /** Provider and ordered fallback providers for every channel. */
  channels: Record<Channel, ChannelRoute>;
  /**
   * Channels to use instead of an unreachable one, in order of preference. Not transitive: only the
   * unreachable channel's own list is consulted.
   */
  channelFallbacks: Partial<Record<Channel, Channel[]>>;
  /** Share of recipients (0-100) a provider is used for; a provider not listed gets 100. */
  rolloutPercent: Partial<Record<Provider, number>>;
  /**
   * The PUSH provider for a device of each platform listed, with no fallback: a token is valid only at
   * its platform's push service. Devices of other platforms and tokens of unknown platform use channels.PUSH.
   */
  pushPlatformProviders: Partial<Record<DevicePlatform, Provider>>;
  /** SMS bodies longer than this are cut (characters). */
  smsMaxLength: number;
}

export const DEFAULT_ROUTING_CONFIG: Readonly<RoutingConfig> = {
  channels: {
    EMAIL: { provider: 'sendgrid', fallbackProviders: ['smtp'] },
    SMS: { provider: 'twilio', fallbackProviders: [] },
    PUSH: { provider: 'push', fallbackProviders: [] },
    WEBHOOK: { provider: 'webhook', fallbackProviders: [] },
    IN_APP: { provider: 'inapp', fallbackProviders: [] },
  },
  channelFallbacks: { PUSH: ['SMS'] }, // no device token → SMS
  rolloutPercent: {},
  pushPlatformProviders: {},
  smsMaxLength: 1600, // characters, Twilio's limit for one message
};

const channelSchema = z.enum(ChannelValues);
const providerSchema = z.enum(PROVIDERS);

function channelRouteSchema(channel: Channel) {
  return z
    .strictObject({
      provider: providerSchema,
      fallbackProviders: z.array(providerSchema).default([]),
    })
    .superRefine((route, ctx) => {
      if (PROVIDER_CHANNEL[route.provider] !== channel) {
        ctx.addIssue({
          code: 'custom',
          path: ['provider'],
          message: `${route.provider} cannot deliver ${channel}`,
        });
      }
      const seen = new Set<Provider>([route.provider]);
      route.fallbackProviders.forEach((p, i) => {
        if (PROVIDER_CHANNEL[p] !== channel) {
          ctx.addIssue({
            code: 'custom',
            path: ['fallbackProviders', i],
            message: `${p} cannot deliver ${channel}`,
          });
        } else if (seen.has(p)) {
          ctx.addIssue({ code: 'custom', path: ['fallbackProviders', i], message: `${p} is listed twice` });
        }
        seen.add(p);
      });
    });
}

function routeWithDefault(channel: Channel) {
  const fallback = DEFAULT_ROUTING_CONFIG.channels[channel];
  return channelRouteSchema(channel).default(() => ({
    provider: fallback.provider,
    fallbackProviders: [...fallback.fallbackProviders],
  }));
}

/**
 * The JSON accepted by parseRoutingConfig. Every top-level field is optional and falls back to
 * DEFAULT_ROUTING_CONFIG; `channels` may name only the channels it changes. A given `channelFallbacks`
 * replaces the default map as a whole, so `{}` turns PUSH → SMS off.
 */
export const routingConfigSchema = z.strictObject({
  channels: z
    .strictObject({
      EMAIL: routeWithDefault('EMAIL'),
      SMS: routeWithDefault('SMS'),
      PUSH: routeWithDefault('PUSH'),
      WEBHOOK: routeWithDefault('WEBHOOK'),
      IN_APP: routeWithDefault('IN_APP'),
    })
    .prefault({}),
  channelFallbacks: z
    .partialRecord(channelSchema, z.array(channelSchema))
    .superRefine((chains, ctx) => {
      for (const [from, chain] of Object.entries(chains)) {
        const seen = new Set<string>();
        chain?.forEach((to, i) => {
          if (to === from)
            ctx.addIssue({ code: 'custom', path: [from, i], message: `${from} cannot fall back to itself` });
          else if (seen.has(to))
            ctx.addIssue({ code: 'custom', path: [from, i], message: `${to} is listed twice` });
          seen.add(to);
        });
      }
    })
    .default(() => structuredClone(DEFAULT_ROUTING_CONFIG.channelFallbacks)),
  rolloutPercent: z.partialRecord(providerSchema, z.int().min(0).max(100)).default(() => ({})),
  pushPlatformProviders: z
    .partialRecord(z.enum(DEVICE_PLATFORMS), providerSchema)
    .superRefine((byPlatform, ctx) => {
      for (const [platform, provider] of Object.entries(byPlatform)) {
        if (provider !== undefined && PROVIDER_CHANNEL[provider] !== 'PUSH')
          ctx.addIssue({ code: 'custom', path: [platform], message: `${provider} cannot deliver PUSH` });
      }
    })
    .default(() => ({})),
  smsMaxLength: z.int().min(1).default(DEFAULT_ROUTING_CONFIG.smsMaxLength),
});

function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/**
 * Parses routing config from JSON (an environment variable holds it). An absent or blank string gives
 * the defaults. Throws ValidationError with one issue per bad field, e.g. `channels.EMAIL.provider`.
 */
export function parseRoutingConfig(json: string | undefined): RoutingConfig {
  if (json === undefined || json.trim() === '') return structuredClone(DEFAULT_ROUTING_CONFIG);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    const issue = { path: '', message: `not valid JSON: ${(err as Error).message}` };
    throw new ValidationError([issue], `invalid routing config: ${issue.message}`);
  }
  return validateRoutingConfig(raw);
}

/** Validates an already-parsed value against routingConfigSchema, filling defaults. */
export function validateRoutingConfig(raw: unknown): RoutingConfig {
  const result = routingConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = toFieldIssues(result.error);
    const summary = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    throw new ValidationError(issues, `invalid routing config: ${summary}`);
  }
  return result.data;
}
