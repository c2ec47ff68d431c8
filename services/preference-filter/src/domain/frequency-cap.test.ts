import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import {
  capId,
  capsFor,
  exceededCap,
  parseFrequencyCapPolicy,
  type FrequencyCapRule,
} from './frequency-cap.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const policy: FrequencyCapRule[] = [
  { channel: 'SMS', max: 5, windowMs: DAY },
  { category: 'marketing', max: 2, windowMs: DAY },
  { category: 'marketing', channel: 'EMAIL', max: 1, windowMs: HOUR },
  { category: '*', channel: '*', max: 20, windowMs: DAY },
];

describe('capsFor', () => {
  it('applies the rules whose category and channel match, wildcards included', () => {
    expect(capsFor(policy, 'marketing', 'EMAIL')).toEqual([
      { category: 'marketing', channel: '*', max: 2, windowMs: DAY },
      { category: 'marketing', channel: 'EMAIL', max: 1, windowMs: HOUR },
      { category: '*', channel: '*', max: 20, windowMs: DAY },
    ]);
    expect(capsFor(policy, 'billing', 'SMS')).toEqual([
      { category: '*', channel: 'SMS', max: 5, windowMs: DAY },
      { category: '*', channel: '*', max: 20, windowMs: DAY },
    ]);
  });

  it('returns nothing when no rule matches', () => {
    expect(
      capsFor([{ category: 'marketing', channel: 'PUSH', max: 1, windowMs: HOUR }], 'billing', 'PUSH'),
    ).toEqual([]);
    expect(capsFor([], 'billing', 'PUSH')).toEqual([]);
  });

  it('collapses identical rules', () => {
    const twice: FrequencyCapRule[] = [
      { channel: 'PUSH', max: 3, windowMs: HOUR },
      { category: '*', channel: 'PUSH', max: 3, windowMs: HOUR },
    ];
    expect(capsFor(twice, 'x', 'PUSH')).toHaveLength(1);
  });
});

describe('exceededCap', () => {
  const cap = { category: '*', channel: 'SMS' as const, max: 2, windowMs: HOUR };

  it('is null while one more message fits', () => {
    expect(exceededCap([{ cap, count: 1 }])).toBeNull();
    expect(exceededCap([])).toBeNull();
  });

  it('returns the first full cap', () => {
    const other = { ...cap, max: 10 };
    expect(
      exceededCap([
        { cap: other, count: 3 },
        { cap, count: 2 },
      ]),
    ).toEqual({ cap, count: 2 });
  });

  it('names caps readably', () => {
    expect(capId(cap)).toBe('*/SMS:2/3600000ms');
  });
});

describe('parseFrequencyCapPolicy', () => {
  it('parses JSON and arrays', () => {
    expect(parseFrequencyCapPolicy('[{"channel":"SMS","max":5,"windowMs":86400000}]')).toEqual([
      { channel: 'SMS', max: 5, windowMs: DAY },
    ]);
    expect(parseFrequencyCapPolicy(policy)).toEqual(policy);
    expect(parseFrequencyCapPolicy('')).toEqual([]);
  });

  it('reports every bad field at once', () => {
    try {
      parseFrequencyCapPolicy([{ channel: 'FAX', max: 0, windowMs: 1.5, category: '' }, 3]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual([
        '[0].max',
        '[0].windowMs',
        '[0].category',
        '[0].channel',
        '[1]',
      ]);
    }
  });

  it('rejects non-JSON and non-arrays', () => {
    expect(() => parseFrequencyCapPolicy('{')).toThrow(ValidationError);
    expect(() => parseFrequencyCapPolicy({ max: 1 })).toThrow(ValidationError);
  });
});
