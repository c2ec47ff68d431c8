import { bodySize, httpEnv, mongoEnv, redisEnv } from '@notify/runtime';
import { z } from 'zod';

/** Unset and empty are the same (charts often render empty values). */
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** Comma-separated SNS topic ARNs. */
const topicArns = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.split(',').map((a) => a.trim()).filter(Boolean) : undefined),
  z.array(z.string().regex(SNS_TOPIC_ARN, 'expected SNS topic ARNs, comma-separated')).optional(),
);

/** A regular expression matching a whole host (anchored with ^ and $). */
const hostPattern = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .refine((s) => s.startsWith('^') && s.endsWith('$'), 'must be anchored with ^ and $')
    .transform((s, ctx) => {
      try {
        return new RegExp(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .optional(),
);

/** status-tracker's own variables (the runtime validates the common ones). */
export const trackerEnvSchema = z
  .object({
    ...mongoEnv.shape,
    ...redisEnv.shape,
    ...httpEnv.shape,
    /** Public origin (and path prefix, if a proxy adds one) providers post callbacks to; Twilio signs it. */
    PUBLIC_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
    /** Twilio status callbacks are accepted when set. */
    TWILIO_AUTH_TOKEN: optionalText,
    /** SendGrid's Event Webhook verification key (base64 DER or PEM); SendGrid events are accepted when set. */
    SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
    /**
     * The SNS topics SES publishes this deployment's events to; SES events (POST /v1/callbacks/ses) are
     * accepted when set, from these topics only: anyone can have SNS sign a message from a topic of theirs.
     */
    SES_SNS_TOPIC_ARNS: topicArns,
    /** Hosts SNS signing certificates and subscription URLs may be on; sns.<region>.amazonaws.com when unset. */
    SNS_HOST_PATTERN: hostPattern,
    /** Largest callback body, e.g. '5mb'. */
    CALLBACK_BODY_LIMIT: bodySize.default('5mb'),
  })
  .superRefine((env, ctx) => {
    if (env.TWILIO_AUTH_TOKEN && !env.PUBLIC_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'required when TWILIO_AUTH_TOKEN is set (Twilio signs the public URL)' });
    }
    // Run even when other variables failed, so every problem is reported in one go.
  }, { when: () => true });

export type TrackerEnv = z.infer<typeof trackerEnvSchema>;
