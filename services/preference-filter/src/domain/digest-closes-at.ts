import { ValidationError } from '@notify/core';
import type { DigestSpec } from '@notify/schemas';
import { parseClockTime, wallClockAt } from './wall-clock.js';

/**
 * When a digest window opened by an item at `openedAt` (epoch ms) closes: `windowMs` after it, or at the
 * next `dailyAt` ("HH:mm") strictly after it on the wall clock of `timeZone` (IANA; an unknown zone reads
 * as UTC). A spec with both takes `windowMs`; ingest accepts exactly one.
 *
 * Around DST changes the wall clock decides: a `dailyAt` inside a skipped hour (02:30 on a spring-forward
 * night) closes at the same instant as the hour after it (03:30); inside a repeated hour it counts once,
 * at its first occurrence, so a window opened between the two closes the next day.
 */
export function digestClosesAt(spec: DigestSpec, openedAt: number, timeZone: string): number {
  if (spec.windowMs !== null) {
    if (!(spec.windowMs > 0)) throw new ValidationError([{ path: 'digest.windowMs', message: `must be positive, got ${spec.windowMs}` }]);
    return openedAt + spec.windowMs;
  }
  if (spec.dailyAt === null) throw new ValidationError([{ path: 'digest', message: 'needs windowMs or dailyAt' }]);
  const minute = parseClockTime(spec.dailyAt);
  if (minute === null) throw new ValidationError([{ path: 'digest.dailyAt', message: `not "HH:mm": ${spec.dailyAt}` }]);

  const local = wallClockAt(openedAt, timeZone);
  const at = (day: typeof local) => day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 }).toMillis();
  const today = at(local);
  if (today > openedAt) return today;
  return at(local.startOf('day').plus({ days: 1 }));
}
