import { ValidationError } from '@notify/core';
import type { DigestSpec } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { digestClosesAt } from './digest-closes-at.js';

const at = (iso: string) => Date.parse(iso);
const daily = (dailyAt: string): DigestSpec => ({ key: 'k', windowMs: null, dailyAt, maxItems: null });

describe('digestClosesAt', () => {
  it('closes a fixed window windowMs after its first item', () => {
    expect(digestClosesAt({ key: 'k', windowMs: 3_000, dailyAt: null, maxItems: 5 }, 1_000, 'UTC')).toBe(4_000);
  });

  it('closes a daily window at the next HH:mm on the recipient wall clock, today or tomorrow', () => {
    expect(digestClosesAt(daily('18:00'), at('2025-06-10T12:00:00Z'), 'Europe/Paris')).toBe(at('2025-06-10T16:00:00Z'));
    expect(digestClosesAt(daily('09:00'), at('2025-06-10T12:00:00Z'), 'Europe/Paris')).toBe(at('2025-06-11T07:00:00Z'));
    expect(digestClosesAt(daily('09:00'), at('2025-06-10T12:00:00Z'), 'Asia/Tokyo')).toBe(at('2025-06-11T00:00:00Z'));
    expect(digestClosesAt(daily('09:00'), at('2025-06-10T12:00:00Z'), 'America/Los_Angeles')).toBe(at('2025-06-10T16:00:00Z'));
  });

  it('never closes at the instant it opened: an item at exactly HH:mm waits a day', () => {
    expect(digestClosesAt(daily('12:00'), at('2025-06-10T12:00:00Z'), 'UTC')).toBe(at('2025-06-11T12:00:00Z'));
  });

  it('closes tomorrow on tomorrow\'s offset across a DST change', () => {
    // Europe/London springs forward on 2025-03-30: 08:00 is 08:00Z the day before, 07:00Z that day.
    expect(digestClosesAt(daily('08:00'), at('2025-03-29T10:00:00Z'), 'Europe/London')).toBe(at('2025-03-30T07:00:00Z'));
    // America/New_York falls back on 2025-11-02: 08:00 EDT is 12:00Z, 08:00 EST 13:00Z.
    expect(digestClosesAt(daily('08:00'), at('2025-11-01T13:00:00Z'), 'America/New_York')).toBe(at('2025-11-02T13:00:00Z'));
  });

  it('moves a time in the skipped hour to the hour after it', () => {
    // 02:30 does not exist in New York on 2025-03-09; it closes at 03:30 EDT (07:30Z).
    expect(digestClosesAt(daily('02:30'), at('2025-03-09T05:00:00Z'), 'America/New_York')).toBe(at('2025-03-09T07:30:00Z'));
  });

  it('takes a time in a repeated hour once, at its first occurrence', () => {
    // 01:30 happens twice in New York on 2025-11-02: 05:30Z (EDT), then 06:30Z (EST).
    expect(digestClosesAt(daily('01:30'), at('2025-11-02T04:30:00Z'), 'America/New_York')).toBe(at('2025-11-02T05:30:00Z'));
    expect(digestClosesAt(daily('01:30'), at('2025-11-02T05:40:00Z'), 'America/New_York')).toBe(at('2025-11-03T06:30:00Z'));
  });

  it('reads an unknown zone as UTC', () => {
    expect(digestClosesAt(daily('18:00'), at('2025-06-10T12:00:00Z'), 'Mars/Olympus')).toBe(at('2025-06-10T18:00:00Z'));
  });

  it('refuses a spec that says no closing time', () => {
    expect(() => digestClosesAt({ key: 'k', windowMs: null, dailyAt: null, maxItems: 2 }, 0, 'UTC')).toThrow(ValidationError);
    expect(() => digestClosesAt(daily('25:00'), 0, 'UTC')).toThrow(ValidationError);
    expect(() => digestClosesAt({ key: 'k', windowMs: 0, dailyAt: null, maxItems: null }, 0, 'UTC')).toThrow(ValidationError);
  });
});
