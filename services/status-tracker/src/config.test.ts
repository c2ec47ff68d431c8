import { ConfigError, loadConfig, serviceEnvSchema } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { trackerEnvSchema } from './config.js';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27118/notify', REDIS_URL: 'redis://127.0.0.1:16379' };

describe('trackerEnvSchema', () => {
  it('has defaults and treats empty values as unset', () => {
    const env = loadConfig(trackerEnvSchema, { ...base, SENDGRID_WEBHOOK_PUBLIC_KEY: '', PUBLIC_BASE_URL: '' });
    expect(env).toMatchObject({ HTTP_PORT: 8080, CALLBACK_BODY_LIMIT: '5mb' });
    expect(env.SENDGRID_WEBHOOK_PUBLIC_KEY).toBeUndefined();
    expect(env.PUBLIC_BASE_URL).toBeUndefined();
  });

  it('needs PUBLIC_BASE_URL for Twilio callbacks, and names every bad variable', () => {
    try {
      loadConfig(trackerEnvSchema, { REDIS_URL: 'redis://x', TWILIO_AUTH_TOKEN: 'secret-token', HTTP_PORT: 'eighty' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      for (const name of ['MONGODB_URI', 'HTTP_PORT', 'PUBLIC_BASE_URL']) expect(message).toContain(name);
      expect(message).not.toContain('secret-token');
    }
  });

  it('reads the SES topics and the SNS host pattern, naming a bad one', () => {
    const env = loadConfig(trackerEnvSchema, {
      ...base,
      SES_SNS_TOPIC_ARNS: ' arn:aws:sns:eu-west-1:123456789012:ses-events, arn:aws-cn:sns:cn-north-1:123456789012:other ',
      SNS_HOST_PATTERN: '^127\\.0\\.0\\.1:\\d+$',
    });
    expect(env.SES_SNS_TOPIC_ARNS).toEqual(['arn:aws:sns:eu-west-1:123456789012:ses-events', 'arn:aws-cn:sns:cn-north-1:123456789012:other']);
    expect(env.SNS_HOST_PATTERN?.test('127.0.0.1:8443')).toBe(true);
    expect(loadConfig(trackerEnvSchema, { ...base, SES_SNS_TOPIC_ARNS: '', SNS_HOST_PATTERN: '' })).toMatchObject({ SES_SNS_TOPIC_ARNS: undefined, SNS_HOST_PATTERN: undefined });
    for (const [name, value] of [
      ['SES_SNS_TOPIC_ARNS', 'arn:aws:sqs:eu-west-1:123456789012:queue'],
      ['SNS_HOST_PATTERN', 'amazonaws\\.com'],
      ['SNS_HOST_PATTERN', '^(unclosed$'],
    ]) {
      expect(() => loadConfig(trackerEnvSchema, { ...base, [name as string]: value }), value).toThrow(new RegExp(name as string));
    }
  });

  it('is read with the runtime variables in one parse that reports the problems of both', () => {
    const runtime = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081' };
    expect(loadConfig(serviceEnvSchema(trackerEnvSchema), { ...runtime, ...base })).toMatchObject({ KAFKA_BROKERS: ['k:9092'], HTTP_PORT: 8080 });
    expect(() => loadConfig(serviceEnvSchema(trackerEnvSchema), { ...base, TWILIO_AUTH_TOKEN: 'secret-token' })).toThrow(
      /KAFKA_BROKERS[\s\S]*SCHEMA_REGISTRY_URL[\s\S]*PUBLIC_BASE_URL/,
    );
  });
});
