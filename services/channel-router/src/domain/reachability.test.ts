import { describe, expect, it } from 'vitest';
import { recipient } from './__fixtures__/notifications.js';
import {
  contactAddresses,
  isReachable,
  pushPlatformOf,
  pushTargets,
  reachableChannels,
} from './reachability.js';

const nobody = recipient({ email: null, phone: null, deviceTokens: [], webhookUrl: null });

describe('reachability', () => {
  it('reaches a full profile on every channel', () => {
    expect(reachableChannels(recipient())).toEqual(['EMAIL', 'SMS', 'PUSH', 'WEBHOOK', 'IN_APP']);
  });

  it('always reaches IN_APP, even with no contact point', () => {
    expect(reachableChannels(nobody)).toEqual(['IN_APP']);
  });

  it('needs an email for EMAIL, a phone for SMS, a device token for PUSH and a URL for WEBHOOK', () => {
    expect(isReachable(recipient({ email: null }), 'EMAIL')).toBe(false);
    expect(isReachable(recipient({ phone: null }), 'SMS')).toBe(false);
    expect(isReachable(recipient({ deviceTokens: [] }), 'PUSH')).toBe(false);
    expect(isReachable(recipient({ webhookUrl: null }), 'WEBHOOK')).toBe(false);
    expect(isReachable(recipient({ deviceTokens: ['only-one'] }), 'PUSH')).toBe(true);
  });

  it('treats blank contact points as absent', () => {
    const blank = recipient({ email: ' ', phone: '', deviceTokens: ['', '  '], webhookUrl: '' });
    expect(reachableChannels(blank)).toEqual(['IN_APP']);
  });

  it('lists the addresses of each channel, device tokens deduplicated in profile order', () => {
    const r = recipient({ deviceTokens: ['b', 'a', 'b', ' '] });
    expect(contactAddresses(r, 'EMAIL', 'u-1')).toEqual(['ada@example.com']);
    expect(contactAddresses(r, 'SMS', 'u-1')).toEqual(['+447700900123']);
    expect(contactAddresses(r, 'PUSH', 'u-1')).toEqual(['b', 'a']);
    expect(contactAddresses(r, 'WEBHOOK', 'u-1')).toEqual(['https://hooks.example.com/ada']);
    expect(contactAddresses(r, 'IN_APP', 'u-1')).toEqual(['u-1']);
    expect(contactAddresses(nobody, 'EMAIL', 'u-1')).toEqual([]);
  });

  it('lists push devices first, in profile order, then tokens of unknown platform, each token once', () => {
    const r = recipient({
      deviceTokens: ['legacy', 'i-1', ' '],
      devices: [
        { token: 'i-1', platform: 'IOS' },
        { token: ' a-1 ', platform: 'ANDROID' },
        { token: 'i-1', platform: 'WEB' },
        { token: '', platform: 'WEB' },
      ],
    });
    expect(pushTargets(r)).toEqual([
      { token: 'i-1', platform: 'IOS' },
      { token: 'a-1', platform: 'ANDROID' },
      { token: 'legacy', platform: null },
    ]);
    expect(contactAddresses(r, 'PUSH', 'u-1')).toEqual(['i-1', 'a-1', 'legacy']);
    expect(pushPlatformOf(r, 'a-1')).toBe('ANDROID');
    expect(pushPlatformOf(r, 'legacy')).toBeNull();
  });

  it('reaches PUSH through devices alone', () => {
    expect(
      isReachable(recipient({ deviceTokens: [], devices: [{ token: 'w', platform: 'WEB' }] }), 'PUSH'),
    ).toBe(true);
  });
});
