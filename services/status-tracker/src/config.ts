import { z } from 'zod';

/** Unset and empty are the same (charts often render empty values). */
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/** status-tracker's own variables (the runtime validates the common ones). */
export const trackerEnvSchema = z
  .object({
    MONGODB_URI: z.string().min(1),
    REDIS_URL: z.string().min(1),
    /** Port of the provider callback endpoints. */
    HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    /** Public origin (and path prefix, if a proxy adds one) providers post callbacks to; Twilio signs it. */
    PUBLIC_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
    /** Twilio status callbacks are accepted when set. */
    TWILIO_AUTH_TOKEN: optionalText,
    /** SendGrid's Event Webhook verification key (base64 DER or PEM); SendGrid events are accepted when set. */
    SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
    /** Largest callback body, e.g. '5mb'. */
    CALLBACK_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size like 512kb or 5mb').default('5mb'),
    /** Timeline writes in flight per fetched batch. */
  })
  .superRefine((env, ctx) => {
    if (env.TWILIO_AUTH_TOKEN && !env.PUBLIC_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'required when TWILIO_AUTH_TOKEN is set (Twilio signs the public URL)' });
    }
    // Run even when other variables failed, so every problem is reported in one go.
  }, { when: () => true });

export type TrackerEnv = z.infer<typeof trackerEnvSchema>;
