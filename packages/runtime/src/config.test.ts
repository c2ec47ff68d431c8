import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpEnv, loadConfig, mongoEnv, redisEnv, runtimeEnvSchema, schemaRegistryAuth, serviceEnvSchema } from './config.js';
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

describe('service config', () => {
  const serviceSchema = z.object({
    ...mongoEnv.shape,
    ...redisEnv.shape,
    ...httpEnv.shape,
    BATCH_SIZE: z.coerce.number().int().positive().default(100),
  });

  it('reads the runtime variables and the service variables, with their defaults', () => {
    const env = loadConfig(serviceEnvSchema(serviceSchema), { ...valid, MONGODB_URI: 'mongodb://m', REDIS_URL: 'redis://r' });
    expect(env).toMatchObject({
      KAFKA_BROKERS: ['a:9092', 'b:9092'],
      ADMIN_PORT: 9464,
      MONGODB_URI: 'mongodb://m',
      REDIS_URL: 'redis://r',
      HTTP_PORT: 8080,
      BATCH_SIZE: 100,
    });
  });

  it('parses each variable once', () => {
    let parsed = 0;
    const counting = z.object({
      COUNTED: z.string().transform((s) => {
        parsed += 1;
        return s;
      }),
    });
    expect(loadConfig(serviceEnvSchema(counting), { ...valid, COUNTED: 'x' }).COUNTED).toBe('x');
    expect(parsed).toBe(1);
  });

  it('names every bad runtime and service variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(serviceEnvSchema(serviceSchema), { SCHEMA_REGISTRY_URL: 'http://registry:8081', REDIS_URL: 'redis://r', HTTP_PORT: 'eighty' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(['HTTP_PORT', 'KAFKA_BROKERS', 'MONGODB_URI']);
  });

  it('keeps the service schema\'s own cross-field checks', () => {
    const refined = z
      .object({ A: z.string().optional(), B: z.string().optional() })
      .superRefine((env, ctx) => {
        if (env.A && !env.B) ctx.addIssue({ code: 'custom', path: ['B'], message: 'required when A is set' });
      });
    expect(() => loadConfig(serviceEnvSchema(refined), { ...valid, A: 'a' })).toThrow('B: required when A is set');
  });

  it('refuses a service schema that redeclares a runtime variable', () => {
    expect(() => serviceEnvSchema(z.object({ ADMIN_PORT: z.string() }))).toThrow('ADMIN_PORT');
  });
});

describe('schemaRegistryAuth', () => {
  it('is basic auth when a user name is set, and nothing otherwise', () => {
    expect(schemaRegistryAuth({ SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'p' })).toEqual({ username: 'u', password: 'p' });
    expect(schemaRegistryAuth({ SCHEMA_REGISTRY_USERNAME: 'u' })).toEqual({ username: 'u', password: '' });
    expect(schemaRegistryAuth({ SCHEMA_REGISTRY_PASSWORD: 'p' })).toBeUndefined();
  });
});
