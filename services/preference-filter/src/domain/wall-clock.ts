import { DateTime } from 'luxon';

/** Minutes since local midnight, parsed from a strict "HH:mm" (00:00 to 23:59); null when malformed. */
export function parseClockTime(value: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) return null;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Zones the runtime cannot resolve (a typo in a profile) are read as UTC rather than failing the message. */
const FALLBACK_ZONE = 'UTC';

/** The instant `ms` (epoch ms) on the wall clock of `timeZone` (IANA). */
export function wallClockAt(ms: number, timeZone: string): DateTime {
  const local = DateTime.fromMillis(ms, { zone: timeZone });
  return local.isValid ? local : DateTime.fromMillis(ms, { zone: FALLBACK_ZONE });
}
