import { z } from 'zod';
import { MAX_ID_LENGTH, NOT_BLANK } from '../../domain/request-schema.js';

/** A user, template or category id, as the notification request accepts them. */
export const identifierSchema = z
  .string()
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .regex(NOT_BLANK, 'must not be empty');

/**
 * A BCP 47 tag of language, optional script and optional region (en, en-GB, zh-Hant-TW, es-419): a
 * pattern, so that the OpenAPI document states exactly what is accepted.
 */
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$/;

/** A BCP 47 language tag, canonicalized (en-gb → en-GB). */
export const localeSchema = z
  .string()
  .regex(LOCALE, 'must be a BCP 47 locale, e.g. en-GB')
  .transform((value) => Intl.getCanonicalLocales(value)[0] as string);

/** The IANA time zones this runtime knows, and UTC under its common names. */
const TIME_ZONES = [...new Set(['UTC', 'Etc/UTC', ...Intl.supportedValuesOf('timeZone')])] as [string, ...string[]];

/** An IANA time zone, e.g. Europe/Paris. */
export const timeZoneSchema = z.enum(TIME_ZONES, { error: 'must be an IANA time zone, e.g. Europe/Paris' });
