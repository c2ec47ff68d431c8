import { toDevicePlatform, type Channel, type PushPlatform } from '@notify/schemas';
import type { ChannelRoute, RoutingConfig } from './routing-config.js';

/**
 * The providers a dispatch on `channel` may use. PUSH to a device whose platform has an entry in
 * pushPlatformProviders goes to that provider alone: the token is valid only at its platform's push
 * service, so another provider could not deliver it. Anything else uses the channel's route.
 */
export function channelRouteFor(
  config: RoutingConfig,
  channel: Channel,
  platform: PushPlatform | null,
): ChannelRoute {
  const channelRoute = config.channels[channel];
  if (channel !== 'PUSH' || platform === null) return channelRoute;
  const provider = config.pushPlatformProviders[toDevicePlatform(platform)];
  return provider === undefined ? channelRoute : { provider, fallbackProviders: [] };
}
