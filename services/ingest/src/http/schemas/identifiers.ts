import { z } from 'zod';
import { MAX_ID_LENGTH } from '../../domain/request-schema.js';

/** A user, template or category id, as the notification request accepts them. */
export const identifierSchema = z
  .string()
  .refine((s) => s.trim().length > 0, 'must not be empty')
  .refine((s) => s.length <= MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A BCP 47 language tag, canonicalized (en-gb → en-GB). */
export const localeSchema = z
  .string()
  .max(35)
  .refine(isLocale, 'must be a BCP 47 locale, e.g. en-GB')
  .transform((value) => Intl.getCanonicalLocales(value)[0] as string);

/** An IANA time zone, e.g. Europe/Paris. */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Paris');
