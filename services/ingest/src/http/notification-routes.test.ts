import { describe, expect, it } from 'vitest';
import { withIdempotencyKeyHeader } from './notification-routes.js';

describe('withIdempotencyKeyHeader', () => {
  it('puts the header into the body over a key already there, and leaves a body that is not an object alone', () => {
    expect(withIdempotencyKeyHeader({ idempotencyKey: 'body', a: 1 }, 'header')).toEqual({
      idempotencyKey: 'header',
      a: 1,
    });
    expect(withIdempotencyKeyHeader({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(withIdempotencyKeyHeader([1], 'header')).toEqual([1]);
    expect(withIdempotencyKeyHeader(undefined, 'header')).toBeUndefined();
  });
});
