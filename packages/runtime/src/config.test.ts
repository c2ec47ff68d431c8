import { describe, expect, it } from 'vitest';
import { loadConfig, runtimeEnvSchema } from './config.js';
import { ConfigError } from './errors.js';

const valid = { KAFKA_BROKERS: 'a:9092,b:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081' };

describe('runtime config', () => {
  it('parses and applies defaults', () => {
    const env = loadConfig(runtimeEnvSchema, valid);
    expect(env.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(env.RETRY_DELAYS_MS).toEqual([1000, 10_000, 60_000]);
    expect(env.ADMIN_PORT).toBe(9464);
  });

  it('names every bad variable at once, without echoing values', () => {
    let error: unknown;
    try {
      loadConfig(runtimeEnvSchema, {
        SCHEMA_REGISTRY_URL: 'not a url',
        ADMIN_PORT: 'eighty',
        RETRY_DELAYS_MS: '1000,soon',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_PASSWORD: 'hunter2',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'ADMIN_PORT', 'RETRY_DELAYS_MS', 'KAFKA_SASL_USERNAME']) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain('hunter2');
  });
});
