import { bodySize, httpEnv, mongoEnv, redisEnv } from '@notify/runtime';
import { z } from 'zod';

/** Unset and empty are the same (charts often render empty values). */
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

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
