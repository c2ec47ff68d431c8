import { DEVICE_PLATFORMS } from '@notify/schemas';
import { z } from 'zod';
import { localeSchema, timeZoneSchema } from './identifiers.js';

export const MAX_DEVICE_TOKENS = 100;
export const MAX_DEVICES = 20;
const E164 = /^\+[1-9][0-9]{1,14}$/;
/**
 * An address a provider will take: a dot-atom local part of at most 64 characters and a domain of
 * labels with a top-level name of letters. A pattern rather than a `format`, whose checks differ from
 * one validator to the next.
 */
const EMAIL = /^(?!\.)(?!.*\.\.)[A-Za-z0-9_'+.-]{0,63}[A-Za-z0-9_+-]@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** An http(s) URL: a host name or IPv4 address, an optional port, then path and query characters. */
const HTTP_URL =
  /^https?:\/\/[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(?:[/?][A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$/;

export const deviceTokenSchema = z.string().min(1, 'must not be empty').max(4096);

export const devicePlatformSchema = z
  .enum(DEVICE_PLATFORMS)
  .meta({ description: "The device's platform; the router may choose the push provider by it" });

const deviceSchema = z.strictObject({ token: deviceTokenSchema, platform: devicePlatformSchema });

/** PUT /v1/recipients/:userId: the whole profile; contact points left out are removed. */
export const recipientBodySchema = z
  .strictObject({
    email: z.string().max(254).regex(EMAIL, 'must be an email address').nullish(),
    phone: z
      .string()
      .regex(E164, 'must be an E.164 phone number, e.g. +14155550100')
      .nullish()
      .meta({ description: 'E.164' }),
    webhookUrl: z
      .string()
      .max(2048)
      .regex(HTTP_URL, 'must be an http(s) URL')
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
      .meta({
        description:
          'Push tokens of unknown platform, tried after devices; replaced when given, kept as they are when left out',
      }),
    devices: z
      .array(deviceSchema)
      .max(MAX_DEVICES)
      .optional()
      .meta({
        description:
          'Push devices, preferred first; a token listed twice keeps its first platform. Replaced when given, kept as they are when left out',
      }),
  })
  .meta({ description: 'The whole profile: contact points left out are removed.' });

export type RecipientBody = z.output<typeof recipientBodySchema>;

/** POST /v1/recipients/:userId/device-tokens */
export const deviceTokenBodySchema = z.strictObject({
  token: deviceTokenSchema,
  platform: devicePlatformSchema.optional().meta({
    description:
      'Adds the token to devices with this platform (replacing its platform if listed); to deviceTokens when left out',
  }),
});
