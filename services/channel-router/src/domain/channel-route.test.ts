import { describe, expect, it } from 'vitest';
import { channelRouteFor } from './channel-route.js';
import { parseRoutingConfig } from './routing-config.js';

const config = parseRoutingConfig(
  JSON.stringify({
    channels: { PUSH: { provider: 'push', fallbackProviders: ['apns'] } },
    pushPlatformProviders: { ios: 'apns', android: 'push' },
  }),
);

describe('channelRouteFor', () => {
  it('sends a device of a listed platform to that provider alone', () => {
    expect(channelRouteFor(config, 'PUSH', 'IOS')).toEqual({ provider: 'apns', fallbackProviders: [] });
    expect(channelRouteFor(config, 'PUSH', 'ANDROID')).toEqual({ provider: 'push', fallbackProviders: [] });
  });

  it("uses the channel's route for a token of unknown platform or a platform not listed", () => {
    expect(channelRouteFor(config, 'PUSH', null)).toEqual(config.channels.PUSH);
    expect(channelRouteFor(config, 'PUSH', 'WEB')).toEqual(config.channels.PUSH);
  });

  it('leaves the other channels alone', () => {
    expect(channelRouteFor(config, 'EMAIL', null)).toEqual(config.channels.EMAIL);
  });
});
