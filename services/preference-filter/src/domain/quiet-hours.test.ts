import { describe, expect, it } from 'vitest';
import { quietHoursAt, quietHoursDeferral } from './quiet-hours.js';
import { parseClockTime } from './wall-clock.js';

const at = (iso: string) => Date.parse(iso);

describe('parseClockTime', () => {
  it('parses HH:mm into minutes since midnight', () => {
    expect(parseClockTime('00:00')).toBe(0);
    expect(parseClockTime('07:30')).toBe(450);
    expect(parseClockTime('23:59')).toBe(1439);
  });

  it('rejects anything else', () => {
    for (const bad of ['24:00', '7:30', '07:60', '0730', '', '07:30:00', 'ab:cd'])
      expect(parseClockTime(bad)).toBeNull();
  });
});

describe('quietHoursAt', () => {
  const night = { start: '22:00', end: '07:00' };

  it('reads the window on the recipient wall clock', () => {
    // 21:30 UTC is 23:30 in Paris (CEST, +2) but 17:30 in New York (EDT, -4).
    const now = at('2025-06-10T21:30:00Z');
    expect(quietHoursAt(night, 'Europe/Paris', now)).toEqual({
      inside: true,
      endsAt: at('2025-06-11T05:00:00Z'),
    });
    expect(quietHoursAt(night, 'America/New_York', now)).toEqual({ inside: false });
  });

  it('handles a window that wraps midnight, on both sides of midnight', () => {
    expect(quietHoursAt(night, 'UTC', at('2025-06-10T22:00:00Z'))).toEqual({
      inside: true,
      endsAt: at('2025-06-11T07:00:00Z'),
    });
    expect(quietHoursAt(night, 'UTC', at('2025-06-11T03:00:00Z'))).toEqual({
      inside: true,
      endsAt: at('2025-06-11T07:00:00Z'),
    });
    expect(quietHoursAt(night, 'UTC', at('2025-06-11T07:00:00Z'))).toEqual({ inside: false });
    expect(quietHoursAt(night, 'UTC', at('2025-06-10T21:59:59Z'))).toEqual({ inside: false });
  });

  it('handles a window within one day', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(quietHoursAt(lunch, 'Asia/Tokyo', at('2025-06-10T03:15:00Z'))).toEqual({
      inside: true,
      endsAt: at('2025-06-10T04:30:00Z'),
    });
    expect(quietHoursAt(lunch, 'Asia/Tokyo', at('2025-06-10T04:30:00Z'))).toEqual({ inside: false });
  });

  it('treats start == end and malformed windows as no window', () => {
    expect(quietHoursAt({ start: '08:00', end: '08:00' }, 'UTC', at('2025-06-10T08:00:00Z'))).toEqual({
      inside: false,
    });
    expect(quietHoursAt({ start: '25:00', end: '07:00' }, 'UTC', at('2025-06-10T02:00:00Z'))).toEqual({
      inside: false,
    });
  });

  it('reads an unknown time zone as UTC', () => {
    expect(quietHoursAt(night, 'Mars/Olympus_Mons', at('2025-06-10T23:00:00Z'))).toEqual({
      inside: true,
      endsAt: at('2025-06-11T07:00:00Z'),
    });
  });

  it('ends the window on the new offset when the clocks go forward during it', () => {
    // Europe/Paris, 2025-03-30: 02:00 CET jumps to 03:00 CEST. 23:00 CET = 22:00Z; 07:00 CEST = 05:00Z.
    expect(quietHoursAt(night, 'Europe/Paris', at('2025-03-29T22:00:00Z'))).toEqual({
      inside: true,
      endsAt: at('2025-03-30T05:00:00Z'),
    });
  });

  it('ends the window on the new offset when the clocks go back during it', () => {
    // Europe/Paris, 2025-10-26: 03:00 CEST falls back to 02:00 CET. 23:00 CEST = 21:00Z; 07:00 CET = 06:00Z.
    expect(quietHoursAt(night, 'Europe/Paris', at('2025-10-25T21:00:00Z'))).toEqual({
      inside: true,
      endsAt: at('2025-10-26T06:00:00Z'),
    });
  });

  it('never ends in the past inside a repeated hour', () => {
    const early = { start: '01:00', end: '02:30' };
    // 02:10 CET, the second pass through 02:10 (the first was 00:10Z, CEST).
    const now = at('2025-10-26T01:10:00Z');
    expect(quietHoursAt(early, 'Europe/Paris', now)).toEqual({
      inside: true,
      endsAt: at('2025-10-26T01:30:00Z'),
    });
    // The first pass: 02:10 CEST ends at 02:30 CEST.
    expect(quietHoursAt(early, 'Europe/Paris', at('2025-10-26T00:10:00Z'))).toEqual({
      inside: true,
      endsAt: at('2025-10-26T00:30:00Z'),
    });
  });

  it('ends a window whose end falls in the skipped hour at the first instant after it', () => {
    const toSkipped = { start: '01:00', end: '02:30' };
    // 01:30 CET = 00:30Z; 02:30 does not exist that night; the end is 01:30Z (03:30 CEST), one hour of wall time later.
    const state = quietHoursAt(toSkipped, 'Europe/Paris', at('2025-03-30T00:30:00Z'));
    expect(state).toEqual({ inside: true, endsAt: at('2025-03-30T01:30:00Z') });
  });
});

describe('quietHoursDeferral', () => {
  const night = { start: '22:00', end: '07:00' };
  const now = at('2025-06-10T23:00:00Z');

  it('defers to the end of the window', () => {
    expect(quietHoursDeferral('NORMAL', night, 'UTC', now)).toBe(at('2025-06-11T07:00:00Z'));
    expect(quietHoursDeferral('HIGH', night, 'UTC', now)).toBe(at('2025-06-11T07:00:00Z'));
  });

  it('lets CRITICAL through', () => {
    expect(quietHoursDeferral('CRITICAL', night, 'UTC', now)).toBeNull();
  });

  it('sends at once without quiet hours or outside them', () => {
    expect(quietHoursDeferral('NORMAL', undefined, 'UTC', now)).toBeNull();
    expect(quietHoursDeferral('NORMAL', night, 'UTC', at('2025-06-10T12:00:00Z'))).toBeNull();
  });
});
