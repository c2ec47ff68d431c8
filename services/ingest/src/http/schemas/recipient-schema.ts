import { z } from 'zod';
import { localeSchema, timeZoneSchema } from './identifiers.js';

export const MAX_DEVICE_TOKENS = 100;
const E164 = /^\+[1-9]\d{1,14}$/;

export const deviceTokenSchema = z.string().min(1, 'must not be empty').max(4096);

/** PUT /v1/recipients/:userId: the whole profile; contact points left out are removed. */
export const recipientBodySchema = z
  .strictObject({
    email: z.email('must be an email address').max(320).nullish(),
    phone: z
      .string()
      .regex(E164, 'must be an E.164 phone number, e.g. +14155550100')
      .nullish()
      .meta({ description: 'E.164' }),
    webhookUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2048)
      .nullish()
      .meta({ description: 'Where WEBHOOK notifications are posted' }),
    locale: localeSchema.default('en').meta({ description: 'BCP 47, e.g. en-GB; en when left out' }),
    timezone: timeZoneSchema
      .default('UTC')
      .meta({ description: 'IANA time zone, e.g. Europe/Paris; UTC when left out' }),
    deviceTokens: z
      .array(deviceTokenSchema)
      .max(MAX_DEVICE_TOKENS)
      .optional()
      .meta({ description: 'Push tokens; replaced when given, kept as they are when left out' }),
  })
  .meta({ description: 'The whole profile: contact points left out are removed.' });

export type RecipientBody = z.output<typeof recipientBodySchema>;

/** POST /v1/recipients/:userId/device-tokens */
export const deviceTokenBodySchema = z.strictObject({ token: deviceTokenSchema });
