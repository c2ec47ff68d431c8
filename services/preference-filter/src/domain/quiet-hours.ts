import type { Priority } from '@notify/schemas';
import type { QuietHours } from './preferences.js';
import { parseClockTime, wallClockAt } from './wall-clock.js';

export type QuietHoursState = { inside: false } | { inside: true; endsAt: number };

/**
 * Whether `now` (epoch ms) falls in the recipient's quiet window, read on the wall clock of `timeZone`
 * (IANA), and if so the instant the window ends. The window is [start, end): it may wrap midnight
 * (22:00 → 07:00); start == end means no window. A malformed window is ignored (not quiet) — the
 * preferences API validates with `parseClockTime`, so this only shields old or hand-edited documents.
 *
 * Around DST changes the wall clock decides: a window ending at 02:30 on a night that skips 02:00-03:00
 * ends at the same instant as 03:30 local; on a night that repeats 02:00-03:00 the end is taken on the
 * offset `now` is on, so it is never in the past.
 */
export function quietHoursAt(quietHours: QuietHours, timeZone: string, now: number): QuietHoursState {
  const start = parseClockTime(quietHours.start);
  const end = parseClockTime(quietHours.end);
  if (start === null || end === null || start === end) return { inside: false };

  const local = wallClockAt(now, timeZone);
  const minute = local.hour * 60 + local.minute;

  const wraps = start > end;
  const inside = wraps ? minute >= start || minute < end : minute >= start && minute < end;
  if (!inside) return { inside: false };

  // In a wrapping window, before midnight the end is tomorrow; after midnight it is today.
  const endDay = wraps && minute >= start ? local.plus({ days: 1 }) : local;
  // `set` keeps the current offset when the wall time exists on it, which picks the right one of a repeated hour.
  const endsAt = endDay
    .set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 })
    .toMillis();
  // Not reachable with IANA data as far as is known; guards a deferral loop should a zone rule surprise us.
  return { inside: true, endsAt: endsAt > now ? endsAt : now + 60_000 /* 1 min */ };
}

/**
 * The instant to defer a notification to for quiet hours, or null to send now. CRITICAL never waits:
 * a fraud alert at 3 a.m. is the point.
 */
export function quietHoursDeferral(
  priority: Priority,
  quietHours: QuietHours | undefined,
  timeZone: string,
  now: number,
): number | null {
  if (priority === 'CRITICAL' || quietHours === undefined) return null;
  const state = quietHoursAt(quietHours, timeZone, now);
  return state.inside ? state.endsAt : null;
}
