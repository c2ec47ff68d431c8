import { ConfigError, loadConfig, serviceEnvSchema } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { providerConfig, senderEnvSchema } from './config.js';

const webhookEnv = {
  SENDER_PROVIDER: 'webhook',
  MONGODB_URI: 'mongodb://m',
  REDIS_URL: 'redis://r',
  WEBHOOK_SIGNING_SECRET: 's',
};

describe('senderEnvSchema', () => {
  it('is read with the runtime variables, with the shared defaults', () => {
    const env = loadConfig(serviceEnvSchema(senderEnvSchema), { ...webhookEnv, KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081' });
    expect(env).toMatchObject({ KAFKA_BROKERS: ['k:9092'], MONGODB_URI: 'mongodb://m', REDIS_URL: 'redis://r', CONTROLS_REFRESH_MS: 2_000 });
  });
});

describe('WEBHOOK_ALLOWED_HOSTS', () => {
  it('defaults to an empty allowlist (public addresses only)', () => {
    expect(providerConfig(loadConfig(senderEnvSchema, webhookEnv))).toMatchObject({
      provider: 'webhook',
      config: { secret: 's', allowedHosts: [] },
    });
    expect(
      loadConfig(senderEnvSchema, { ...webhookEnv, WEBHOOK_ALLOWED_HOSTS: '' }).WEBHOOK_ALLOWED_HOSTS,
    ).toEqual([]);
  });

  it('passes host names and CIDRs through to the webhook adapter', () => {
    const env = loadConfig(senderEnvSchema, {
      ...webhookEnv,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32, ::1/128,,hooks.internal ',
    });
    expect(providerConfig(env)).toMatchObject({
      config: { allowedHosts: ['127.0.0.1/32', '::1/128', 'hooks.internal'] },
    });
  });

  it('names the variable and every entry it cannot read', () => {
    let caught: unknown;
    try {
      loadConfig(senderEnvSchema, {
        ...webhookEnv,
        WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/33,ok.example,bad host',
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'WEBHOOK_ALLOWED_HOSTS: not a host name, IP address or CIDR: 10.0.0.0/33, bad host',
    ]);
  });
});
