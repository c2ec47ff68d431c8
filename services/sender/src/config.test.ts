import { ConfigError, loadConfig, serviceEnvSchema } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { checkClaimOutlastsCall, providerConfig, senderEnvSchema } from './config.js';

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

describe('checkClaimOutlastsCall', () => {
  it('takes the defaults, and refuses a claim no longer than a call', () => {
    expect(() => checkClaimOutlastsCall(loadConfig(senderEnvSchema, webhookEnv))).not.toThrow();
    expect(() => checkClaimOutlastsCall({ CLAIM_TTL_MS: 10_000, SEND_TIMEOUT_MS: 10_000 })).toThrow(ConfigError);
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

const base = { MONGODB_URI: 'mongodb://m', REDIS_URL: 'redis://r' };
const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('SENDER_PROVIDER=ses', () => {
  const sesEnv = { ...base, SENDER_PROVIDER: 'ses', SES_REGION: 'eu-west-1', SES_FROM: 'Notify <noreply@notify.example>' };

  it('builds the SES adapter config, with the default credential chain when no keys are set', () => {
    expect(providerConfig(loadConfig(senderEnvSchema, sesEnv))).toEqual({
      provider: 'ses',
      config: { region: 'eu-west-1', from: 'Notify <noreply@notify.example>', timeoutMs: 10_000 },
    });
  });

  it('passes the endpoint, configuration set, reply-to and static keys through', () => {
    const env = loadConfig(senderEnvSchema, {
      ...sesEnv,
      SES_ENDPOINT: 'http://127.0.0.1:5000',
      SES_CONFIGURATION_SET: 'notify-events',
      SES_REPLY_TO: 'help@notify.example',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    expect(providerConfig(env)).toMatchObject({
      provider: 'ses',
      config: {
        endpoint: 'http://127.0.0.1:5000',
        configurationSet: 'notify-events',
        replyTo: 'help@notify.example',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      },
    });
  });

  it('names every variable it needs but lacks', () => {
    expect(problemsOf(() => providerConfig(loadConfig(senderEnvSchema, { ...base, SENDER_PROVIDER: 'ses' })))).toEqual([
      'SES_REGION: required when SENDER_PROVIDER=ses',
      'SES_FROM: required when SENDER_PROVIDER=ses',
    ]);
  });

  it('names each variable with a bad value', () => {
    const problems = problemsOf(() =>
      loadConfig(senderEnvSchema, {
        ...sesEnv,
        SES_REGION: 'Ireland',
        SES_FROM: 'Notify <not an address>',
        SES_ENDPOINT: 'localhost',
        SES_REPLY_TO: 'nobody',
        SES_CONFIGURATION_SET: 'has spaces',
      }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'SES_CONFIGURATION_SET',
      'SES_ENDPOINT',
      'SES_FROM',
      'SES_REGION',
      'SES_REPLY_TO',
    ]);
    expect(problems).toContain('SES_REGION: not an AWS region, e.g. us-east-1');
  });

  it('takes the static keys together or not at all', () => {
    expect(problemsOf(() => providerConfig(loadConfig(senderEnvSchema, { ...sesEnv, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' })))).toEqual([
      'AWS_SECRET_ACCESS_KEY: required when AWS_ACCESS_KEY_ID is set',
    ]);
    expect(problemsOf(() => providerConfig(loadConfig(senderEnvSchema, { ...sesEnv, AWS_SECRET_ACCESS_KEY: 'secret' })))).toEqual([
      'AWS_ACCESS_KEY_ID: required when AWS_SECRET_ACCESS_KEY is set',
    ]);
  });
});

describe('SENDER_PROVIDER=sns', () => {
  const snsEnv = { ...base, SENDER_PROVIDER: 'sns', SNS_REGION: 'us-east-1' };

  it('sends transactional SMS unless told otherwise', () => {
    expect(providerConfig(loadConfig(senderEnvSchema, snsEnv))).toEqual({
      provider: 'sns',
      config: { region: 'us-east-1', smsType: 'Transactional', timeoutMs: 10_000 },
    });
  });

  it('passes the SMS type, sender id, price ceiling and endpoint through', () => {
    const env = loadConfig(senderEnvSchema, {
      ...snsEnv,
      SNS_ENDPOINT: 'http://127.0.0.1:5000',
      SNS_SMS_TYPE: 'Promotional',
      SNS_SENDER_ID: 'Notify',
      SNS_MAX_PRICE: '0.50',
    });
    expect(providerConfig(env)).toMatchObject({
      config: { endpoint: 'http://127.0.0.1:5000', smsType: 'Promotional', senderId: 'Notify', maxPrice: '0.50' },
    });
  });

  it('needs a region', () => {
    expect(problemsOf(() => providerConfig(loadConfig(senderEnvSchema, { ...base, SENDER_PROVIDER: 'sns' })))).toEqual([
      'SNS_REGION: required when SENDER_PROVIDER=sns',
    ]);
  });

  it('names each variable with a bad value', () => {
    const problems = problemsOf(() =>
      loadConfig(senderEnvSchema, {
        ...snsEnv,
        SNS_SMS_TYPE: 'transactional',
        SNS_SENDER_ID: 'TooLongSender1',
        SNS_MAX_PRICE: '$1',
      }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['SNS_MAX_PRICE', 'SNS_SENDER_ID', 'SNS_SMS_TYPE']);
    expect(problems).toContain('SNS_SENDER_ID: 1 to 11 letters and digits, at least one letter');
    expect(problemsOf(() => loadConfig(senderEnvSchema, { ...snsEnv, SNS_SENDER_ID: '12345' }))).toEqual([
      'SNS_SENDER_ID: 1 to 11 letters and digits, at least one letter',
    ]);
  });
});

describe('SENDER_PROVIDER=apns', () => {
  const key = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----';
  const apnsEnv = { ...base, SENDER_PROVIDER: 'apns', APNS_KEY_ID: 'ABC123DEFG', APNS_TEAM_ID: 'TEAM123456', APNS_PRIVATE_KEY: key, APNS_TOPIC: 'com.example.app' };

  it('builds the APNs adapter config, against production unless told otherwise', () => {
    expect(providerConfig(loadConfig(senderEnvSchema, apnsEnv))).toEqual({
      provider: 'apns',
      config: { keyId: 'ABC123DEFG', teamId: 'TEAM123456', privateKey: key, topic: 'com.example.app', timeoutMs: 10_000 },
    });
    const sandbox = providerConfig(loadConfig(senderEnvSchema, { ...apnsEnv, APNS_BASE_URL: 'https://api.sandbox.push.apple.com', APNS_CA: 'pem' }));
    expect(sandbox.provider === 'apns' && sandbox.config).toMatchObject({ baseUrl: 'https://api.sandbox.push.apple.com', ca: 'pem' });
  });

  it('names every variable it needs but lacks, and each with a bad value', () => {
    expect(problemsOf(() => providerConfig(loadConfig(senderEnvSchema, { ...base, SENDER_PROVIDER: 'apns' })))).toEqual([
      'APNS_KEY_ID: required when SENDER_PROVIDER=apns',
      'APNS_TEAM_ID: required when SENDER_PROVIDER=apns',
      'APNS_PRIVATE_KEY: required when SENDER_PROVIDER=apns',
      'APNS_TOPIC: required when SENDER_PROVIDER=apns',
    ]);
    const problems = problemsOf(() => loadConfig(senderEnvSchema, { ...apnsEnv, APNS_KEY_ID: 'short', APNS_BASE_URL: 'not a url' }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['APNS_BASE_URL', 'APNS_KEY_ID']);
  });
});
