import { describe, expect, it } from 'vitest';
import { formatFieldPath } from './field-path.js';

describe('formatFieldPath', () => {
  it('formats nested paths like JavaScript accessors', () => {
    expect(formatFieldPath([])).toBe('');
    expect(formatFieldPath(['recipients', 2])).toBe('recipients[2]');
    expect(formatFieldPath(['data', 'orderId'])).toBe('data.orderId');
    expect(formatFieldPath(['data', 'a.b'])).toBe('data["a.b"]');
    expect(formatFieldPath(['my key'])).toBe('["my key"]');
  });
});
