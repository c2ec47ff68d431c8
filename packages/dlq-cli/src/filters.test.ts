import { Headers, ValidationError } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { toDlqEntry } from './dlq-entry.js';
import { matchesFilter, needsDecodedValue, notificationIdOf, parseFilter } from './filters.js';

function entry(code: string, key: string | null, deadLetteredAt: number) {
  return toDlqEntry('orders.dlq', 0, {
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from([0]),
    offset: '7',
    timestamp: '1000',
    attributes: 0,
    headers: {
      [Headers.ERROR_CODE]: Buffer.from(code),
      [Headers.DEAD_LETTERED_AT]: Buffer.from(String(deadLetteredAt)),
    },
  });
}

describe('parseFilter', () => {
  it('reads ISO and epoch-millis times and splits repeated or comma-separated lists', () => {
    const f = parseFilter({
      from: '2025-01-01T00:00:00Z',
      until: '1735776000000',
      code: ['VALIDATION,NOT_FOUND', 'INTERNAL'],
      key: ['t1:u1'],
      id: [' n-1 , n-2 '],
    });
    expect(f).toEqual({
      from: Date.UTC(2025, 0, 1),
      until: 1_735_776_000_000,
      codes: ['VALIDATION', 'NOT_FOUND', 'INTERNAL'],
      keys: ['t1:u1'],
      ids: ['n-1', 'n-2'],
    });
    expect(needsDecodedValue(f)).toBe(true);
    expect(needsDecodedValue(parseFilter({}))).toBe(false);
  });

  it('reports every bad time at once', () => {
    try {
      parseFilter({ from: 'yesterday', until: 'soon' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['from', 'to']);
    }
    expect(() => parseFilter({ from: '2025-01-02', until: '2025-01-01' })).toThrow(/later than --from/);
  });
});

describe('matchesFilter', () => {
  const e = entry('VALIDATION', 't1:u1', 5_000);

  it('matches everything with an empty filter', () => {
    expect(matchesFilter(e, parseFilter({}))).toBe(true);
  });

  it('takes --from inclusive and --to exclusive on dead-lettered-at', () => {
    expect(matchesFilter(e, parseFilter({ from: '5000' }))).toBe(true);
    expect(matchesFilter(e, parseFilter({ from: '5001' }))).toBe(false);
    expect(matchesFilter(e, parseFilter({ until: '5000' }))).toBe(false);
    expect(matchesFilter(e, parseFilter({ until: '5001' }))).toBe(true);
  });

  it('filters by code and key', () => {
    expect(matchesFilter(e, parseFilter({ code: ['NOT_FOUND,VALIDATION'] }))).toBe(true);
    expect(matchesFilter(e, parseFilter({ code: ['NOT_FOUND'] }))).toBe(false);
    expect(matchesFilter(e, parseFilter({ key: ['t1:u1'] }))).toBe(true);
    expect(matchesFilter(e, parseFilter({ key: ['t1:u2'] }))).toBe(false);
    expect(matchesFilter(entry('VALIDATION', null, 1), parseFilter({ key: ['t1:u1'] }))).toBe(false);
  });

  it('matches an id only when the decoded value carried it', () => {
    const f = parseFilter({ id: ['n-1'] });
    expect(matchesFilter(e, f, 'n-1')).toBe(true);
    expect(matchesFilter(e, f, 'n-2')).toBe(false);
    expect(matchesFilter(e, f, undefined)).toBe(false);
  });
});

describe('notificationIdOf', () => {
  it('reads notification.notificationId, then notificationId', () => {
    expect(notificationIdOf({ notification: { notificationId: 'n-1' } })).toBe('n-1');
    expect(notificationIdOf({ notificationId: 'n-2', channel: 'EMAIL' })).toBe('n-2');
    expect(notificationIdOf({ request: {} })).toBeUndefined();
    expect(notificationIdOf(null)).toBeUndefined();
  });
});
