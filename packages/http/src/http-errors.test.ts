import { ErrorCodes, type ErrorCode } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { httpStatusFor } from './http-errors.js';

const expected: Record<ErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  DEPENDENCY_UNAVAILABLE: 503,
  DESERIALIZATION: 500,
  PROVIDER_REJECTED: 500,
  PROVIDER_UNAVAILABLE: 500,
  PROVIDER_RATE_LIMITED: 500,
  PROVIDER_TIMEOUT: 500,
  CIRCUIT_OPEN: 500,
  CONFIG: 500,
  INTERNAL: 500,
};

describe('httpStatusFor', () => {
  it.each(Object.values(ErrorCodes))('answers %s with its status', (code) => {
    expect(httpStatusFor(code)).toBe(expected[code]);
  });

  it('answers a code it does not know with 500', () => {
    expect(httpStatusFor('SOMETHING_NEW')).toBe(500);
  });
});
