import { ConfigError, controlsEnv, mongoEnv, redisEnv } from '@notify/runtime';
import { PROVIDERS, type Provider } from '@notify/schemas';
import { z } from 'zod';
import { AddressPolicy, InvalidAllowlistEntryError } from './providers/address-policy.js';
import type { AwsConnection } from './providers/aws-connection.js';
import type { ProviderConfigs } from './providers/index.js';
import type { SnsSmsType } from './providers/sns.js';

const optional = z.string().min(1).optional();
const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'not an AWS region, e.g. us-east-1').optional();
/** An address, or `Name <address>`. */
const mailbox = z
  .string()
  .refine(
    (v) => z.email().safeParse(/<([^<>]+)>\s*$/.exec(v)?.[1] ?? v).success,
    'not an email address or "Name <address>"',
  )
  .optional();

/** The sender's own variables (the runtime validates the common ones). Secrets come from Secrets. */
export const senderEnvSchema = z.object({
  SENDER_PROVIDER: z.enum(PROVIDERS),
  ...mongoEnv.shape,
  ...redisEnv.shape,
  SEND_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000), // 10 s per provider call
  /** Dispatches sent at the same time per partition in flight (one recipient's still one at a time). */
  SEND_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** How long an in-flight claim blocks other replicas from the same delivery. */
  CLAIM_TTL_MS: z.coerce.number().int().positive().default(60_000), // one minute
  /** Failed provider calls within a window, at the least, before the circuit opens... */
  CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().positive().default(5),
  /** ...and the share of the window's calls they must be (0..1]. */
  CIRCUIT_FAILURE_RATIO: z.coerce.number().gt(0).max(1).default(0.5),
  /** ...in a window that has counted this many calls at the least. */
  CIRCUIT_MIN_CALLS: z.coerce.number().int().positive().default(20),
  CIRCUIT_WINDOW_MS: z.coerce.number().int().positive().default(30_000), // 30 s
  CIRCUIT_OPEN_MS: z.coerce.number().int().positive().default(15_000), // 15 s
  ...controlsEnv.shape,
  SENDGRID_API_KEY: optional,
  SENDGRID_BASE_URL: z.url().optional(),
  SENDGRID_FROM: optional,
  TWILIO_ACCOUNT_SID: optional,
  TWILIO_AUTH_TOKEN: optional,
  TWILIO_FROM: optional,
  TWILIO_MESSAGING_SERVICE_SID: optional,
  TWILIO_BASE_URL: z.url().optional(),
  TWILIO_STATUS_CALLBACK_URL: z.url().optional(),
  SMTP_URL: optional,
  SMTP_FROM: optional,
  WEBHOOK_SIGNING_SECRET: optional,
  WEBHOOK_REQUIRE_HTTPS: z.enum(['true', 'false']).default('false'),
  /** Host names and CIDRs webhooks may reach although not public; empty: public addresses only. */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const entries = s.split(',').map((e) => e.trim()).filter(Boolean);
      try {
        AddressPolicy.fromAllowlist(entries);
      } catch (err) {
        if (!(err instanceof InvalidAllowlistEntryError)) throw err;
        ctx.issues.push({ code: 'custom', message: err.message, input: s });
        return z.NEVER;
      }
      return entries;
    }),
  PUSH_FCM_PROJECT_ID: optional,
  PUSH_FCM_TOKEN: optional,
  PUSH_FCM_BASE_URL: z.url().optional(),
  SES_REGION: awsRegion,
  /** An SES-compatible origin instead of the region's (a local emulator). */
  SES_ENDPOINT: z.url().optional(),
  SES_FROM: mailbox,
  SES_REPLY_TO: z.email().optional(),
  SES_CONFIGURATION_SET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'up to 64 letters, digits, _ and -')
    .optional(),
  SNS_REGION: awsRegion,
  SNS_ENDPOINT: z.url().optional(),
  SNS_SMS_TYPE: z.enum(['Transactional', 'Promotional'] as const satisfies readonly SnsSmsType[]).default('Transactional'),
  SNS_SENDER_ID: z
    .string()
    .regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, '1 to 11 letters and digits, at least one letter')
    .optional(),
  /** USD, e.g. 0.50. */
  SNS_MAX_PRICE: z.string().regex(/^\d+(\.\d+)?$/, 'a price in USD, e.g. 0.50').optional(),
  /** Key ID of the APNs .p8 signing key. */
  APNS_KEY_ID: z.string().regex(/^[A-Z0-9]{10}$/, '10 letters and digits').optional(),
  /** Apple developer team id: the provider token's issuer. */
  APNS_TEAM_ID: z.string().regex(/^[A-Z0-9]{10}$/, '10 letters and digits').optional(),
  /** The .p8 signing key's PEM (PKCS#8, P-256). */
  APNS_PRIVATE_KEY: optional,
  /** The app's bundle id (apns-topic). */
  APNS_TOPIC: optional,
  /** https://api.push.apple.com by default; https://api.sandbox.push.apple.com for development builds. */
  APNS_BASE_URL: z.url().optional(),
  /** PEM certificates to trust instead of the system's (a local emulator's). */
  APNS_CA: optional,
  /** Static AWS credentials for ses and sns; without them the SDK's default chain (IRSA, instance role...). */
  AWS_ACCESS_KEY_ID: optional,
  AWS_SECRET_ACCESS_KEY: optional,
  AWS_SESSION_TOKEN: optional,
});

export type SenderEnv = z.infer<typeof senderEnvSchema>;

/** A send begins only while its claim outlasts a whole call (SEND_TIMEOUT_MS): a shorter claim would never send. */
export function checkClaimOutlastsCall(env: Pick<SenderEnv, 'CLAIM_TTL_MS' | 'SEND_TIMEOUT_MS'>): void {
  if (env.CLAIM_TTL_MS <= env.SEND_TIMEOUT_MS)
    throw new ConfigError([`CLAIM_TTL_MS: must be longer than SEND_TIMEOUT_MS (${env.SEND_TIMEOUT_MS} ms), is ${env.CLAIM_TTL_MS} ms`]);
}

type Built = { [P in keyof ProviderConfigs]: { provider: P; config: ProviderConfigs[P] } }[keyof ProviderConfigs] | { provider: 'inapp' };

/** The chosen provider's adapter config; every variable it needs but lacks is named at once. */
export function providerConfig(env: SenderEnv): Built {
  const need = (...names: Array<keyof SenderEnv>) => {
    const missing = names.filter((n) => !env[n]);
    if (missing.length) throw new ConfigError(missing.map((n) => `${n}: required when SENDER_PROVIDER=${env.SENDER_PROVIDER}`));
  };
  const timeoutMs = env.SEND_TIMEOUT_MS;
  const provider: Provider = env.SENDER_PROVIDER;
  switch (provider) {
    case 'sendgrid':
      need('SENDGRID_API_KEY', 'SENDGRID_FROM');
      return { provider, config: { apiKey: env.SENDGRID_API_KEY!, from: { email: env.SENDGRID_FROM! }, timeoutMs, ...(env.SENDGRID_BASE_URL ? { baseUrl: env.SENDGRID_BASE_URL } : {}) } };
    case 'twilio':
      need('TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN');
      if (!env.TWILIO_FROM && !env.TWILIO_MESSAGING_SERVICE_SID) need('TWILIO_FROM');
      return {
        provider,
        config: {
          accountSid: env.TWILIO_ACCOUNT_SID!,
          authToken: env.TWILIO_AUTH_TOKEN!,
          timeoutMs,
          ...(env.TWILIO_FROM ? { from: env.TWILIO_FROM } : {}),
          ...(env.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID } : {}),
          ...(env.TWILIO_BASE_URL ? { baseUrl: env.TWILIO_BASE_URL } : {}),
          ...(env.TWILIO_STATUS_CALLBACK_URL ? { statusCallbackUrl: env.TWILIO_STATUS_CALLBACK_URL } : {}),
        },
      };
    case 'smtp':
      need('SMTP_URL', 'SMTP_FROM');
      return { provider, config: { url: env.SMTP_URL!, from: { email: env.SMTP_FROM! }, timeoutMs } };
    case 'webhook':
      need('WEBHOOK_SIGNING_SECRET');
      return {
        provider,
        config: {
          secret: env.WEBHOOK_SIGNING_SECRET!,
          requireHttps: env.WEBHOOK_REQUIRE_HTTPS === 'true',
          allowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
          timeoutMs,
        },
      };
    case 'push':
      need('PUSH_FCM_PROJECT_ID', 'PUSH_FCM_TOKEN');
      return { provider, config: { projectId: env.PUSH_FCM_PROJECT_ID!, accessToken: env.PUSH_FCM_TOKEN!, timeoutMs, ...(env.PUSH_FCM_BASE_URL ? { baseUrl: env.PUSH_FCM_BASE_URL } : {}) } };
    case 'ses':
      need('SES_REGION', 'SES_FROM');
      return {
        provider,
        config: {
          ...awsConnection(env, env.SES_REGION!, env.SES_ENDPOINT),
          from: env.SES_FROM!,
          timeoutMs,
          ...(env.SES_REPLY_TO ? { replyTo: env.SES_REPLY_TO } : {}),
          ...(env.SES_CONFIGURATION_SET ? { configurationSet: env.SES_CONFIGURATION_SET } : {}),
        },
      };
    case 'sns':
      need('SNS_REGION');
      return {
        provider,
        config: {
          ...awsConnection(env, env.SNS_REGION!, env.SNS_ENDPOINT),
          smsType: env.SNS_SMS_TYPE,
          timeoutMs,
          ...(env.SNS_SENDER_ID ? { senderId: env.SNS_SENDER_ID } : {}),
          ...(env.SNS_MAX_PRICE ? { maxPrice: env.SNS_MAX_PRICE } : {}),
        },
      };
    case 'apns':
      need('APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_PRIVATE_KEY', 'APNS_TOPIC');
      return {
        provider,
        config: {
          keyId: env.APNS_KEY_ID!,
          teamId: env.APNS_TEAM_ID!,
          privateKey: env.APNS_PRIVATE_KEY!,
          topic: env.APNS_TOPIC!,
          timeoutMs,
          ...(env.APNS_BASE_URL ? { baseUrl: env.APNS_BASE_URL } : {}),
          ...(env.APNS_CA ? { ca: env.APNS_CA } : {}),
        },
      };
    case 'inapp':
      return { provider };
  }
}

/** The shared AWS credentials go together or not at all (then the SDK's default chain finds its own). */
function awsConnection(env: SenderEnv, region: string, endpoint: string | undefined): AwsConnection {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (accessKeyId && !secretAccessKey) throw new ConfigError(['AWS_SECRET_ACCESS_KEY: required when AWS_ACCESS_KEY_ID is set']);
  if (secretAccessKey && !accessKeyId) throw new ConfigError(['AWS_ACCESS_KEY_ID: required when AWS_SECRET_ACCESS_KEY is set']);
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } : {}),
  };
}
