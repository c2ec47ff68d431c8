import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_CONFIG, parseRoutingConfig } from './routing-config.js';

function issuesOf(json: string) {
  try {
    parseRoutingConfig(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('parseRoutingConfig', () => {
  it('gives the defaults for an absent or blank value', () => {
    expect(parseRoutingConfig(undefined)).toEqual(DEFAULT_ROUTING_CONFIG);
    expect(parseRoutingConfig('  ')).toEqual(DEFAULT_ROUTING_CONFIG);
    expect(parseRoutingConfig('{}')).toEqual(DEFAULT_ROUTING_CONFIG);
  });

  it('has the documented defaults', () => {
    const config = parseRoutingConfig('{}');
    expect(config.channels).toEqual({
      EMAIL: { provider: 'sendgrid', fallbackProviders: ['smtp'] },
      SMS: { provider: 'twilio', fallbackProviders: [] },
      PUSH: { provider: 'push', fallbackProviders: [] },
      WEBHOOK: { provider: 'webhook', fallbackProviders: [] },
      IN_APP: { provider: 'inapp', fallbackProviders: [] },
    });
    expect(config.channelFallbacks).toEqual({ PUSH: ['SMS'] });
    expect(config.rolloutPercent).toEqual({});
    expect(config.pushPlatformProviders).toEqual({});
    expect(config.smsMaxLength).toBe(1600);
  });

  it('returns a copy that does not share state with the defaults', () => {
    const config = parseRoutingConfig(undefined);
    config.channels.EMAIL.fallbackProviders.push('sendgrid');
    expect(DEFAULT_ROUTING_CONFIG.channels.EMAIL.fallbackProviders).toEqual(['smtp']);
    const parsed = parseRoutingConfig('{}');
    parsed.channelFallbacks.PUSH?.push('EMAIL');
    expect(DEFAULT_ROUTING_CONFIG.channelFallbacks).toEqual({ PUSH: ['SMS'] });
  });

  it('overrides only the channels it names', () => {
    const config = parseRoutingConfig(
      JSON.stringify({ channels: { EMAIL: { provider: 'smtp', fallbackProviders: ['sendgrid'] } } }),
    );
    expect(config.channels.EMAIL).toEqual({ provider: 'smtp', fallbackProviders: ['sendgrid'] });
    expect(config.channels.SMS).toEqual({ provider: 'twilio', fallbackProviders: [] });
  });

  it('defaults a named channel’s fallbacks to none', () => {
    const config = parseRoutingConfig(JSON.stringify({ channels: { EMAIL: { provider: 'smtp' } } }));
    expect(config.channels.EMAIL).toEqual({ provider: 'smtp', fallbackProviders: [] });
  });

  it('replaces the channel fallback chains as a whole', () => {
    expect(parseRoutingConfig('{"channelFallbacks":{}}').channelFallbacks).toEqual({});
    expect(
      parseRoutingConfig('{"channelFallbacks":{"PUSH":["IN_APP","SMS"],"SMS":["EMAIL"]}}').channelFallbacks,
    ).toEqual({
      PUSH: ['IN_APP', 'SMS'],
      SMS: ['EMAIL'],
    });
  });

  it('accepts rollout percentages and an SMS length', () => {
    const config = parseRoutingConfig('{"rolloutPercent":{"smtp":25},"smsMaxLength":320}');
    expect(config.rolloutPercent).toEqual({ smtp: 25 });
    expect(config.smsMaxLength).toBe(320);
  });

  it('accepts a PUSH provider per device platform, some platforms only', () => {
    const config = parseRoutingConfig('{"pushPlatformProviders":{"ios":"apns","android":"push"}}');
    expect(config.pushPlatformProviders).toEqual({ ios: 'apns', android: 'push' });
    expect(config.channels.PUSH).toEqual({ provider: 'push', fallbackProviders: [] });
  });

  it('rejects a platform provider that cannot deliver PUSH, or an unknown platform or provider', () => {
    expect(issuesOf('{"pushPlatformProviders":{"ios":"sendgrid"}}')).toEqual([
      { path: 'pushPlatformProviders.ios', message: 'sendgrid cannot deliver PUSH' },
    ]);
    expect(issuesOf('{"pushPlatformProviders":{"android":"fcm"}}')[0]?.path).toBe(
      'pushPlatformProviders.android',
    );
    expect(issuesOf('{"pushPlatformProviders":{"blackberry":"push"}}')[0]?.path).toMatch(
      /^pushPlatformProviders/,
    );
  });

  it('rejects invalid JSON', () => {
    const issues = issuesOf('{"channels":');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/not valid JSON/);
  });

  it('names each bad field', () => {
    const issues = issuesOf(
      JSON.stringify({
        channels: { EMAIL: { provider: 'mailgun' }, SMS: { provider: 'sendgrid' } },
        rolloutPercent: { smtp: 101 },
        smsMaxLength: 0,
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual([
      'channels.EMAIL.provider',
      'channels.SMS.provider',
      'rolloutPercent.smtp',
      'smsMaxLength',
    ]);
    expect(issues.find((i) => i.path === 'channels.SMS.provider')?.message).toBe(
      'sendgrid cannot deliver SMS',
    );
  });

  it('puts the bad fields in the error message', () => {
    expect(() => parseRoutingConfig('{"smsMaxLength":"long"}')).toThrow(
      /invalid routing config: smsMaxLength: /,
    );
  });

  it('rejects unknown keys, so a typo is not silently ignored', () => {
    expect(issuesOf('{"chanels":{}}')[0]?.message).toMatch(/chanels/);
    expect(issuesOf('{"channels":{"FAX":{"provider":"smtp"}}}')[0]?.path).toBe('channels');
    expect(issuesOf('{"channels":{"EMAIL":{"provider":"smtp","fallback":["sendgrid"]}}}')[0]?.path).toBe(
      'channels.EMAIL',
    );
  });

  it('rejects fallback providers that repeat, include the primary or serve another channel', () => {
    const issues = issuesOf(
      JSON.stringify({
        channels: { EMAIL: { provider: 'sendgrid', fallbackProviders: ['smtp', 'sendgrid', 'twilio'] } },
      }),
    );
    expect(issues).toEqual([
      { path: 'channels.EMAIL.fallbackProviders.1', message: 'sendgrid is listed twice' },
      { path: 'channels.EMAIL.fallbackProviders.2', message: 'twilio cannot deliver EMAIL' },
    ]);
  });

  it('rejects channel fallback chains that loop to themselves, repeat or name unknown channels', () => {
    expect(issuesOf('{"channelFallbacks":{"PUSH":["PUSH"]}}')).toEqual([
      { path: 'channelFallbacks.PUSH.0', message: 'PUSH cannot fall back to itself' },
    ]);
    expect(issuesOf('{"channelFallbacks":{"PUSH":["SMS","SMS"]}}')[0]?.path).toBe('channelFallbacks.PUSH.1');
    expect(issuesOf('{"channelFallbacks":{"PUSH":["PIGEON"]}}')[0]?.path).toBe('channelFallbacks.PUSH.0');
  });
});
