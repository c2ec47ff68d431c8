import { describe, expect, it } from 'vitest';
import { batchWaves, withIdempotencyKeyHeader } from './notification-routes.js';

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

describe('batchWaves', () => {
  it('defers items repeating an earlier idempotency key', () => {
    const items = [
      { idempotencyKey: 'a' },
      { idempotencyKey: 'b' },
      { idempotencyKey: 'a' },
      {},
      'junk',
      { idempotencyKey: '' },
      { idempotencyKey: 'b' },
    ];
    expect(batchWaves(items)).toEqual([
      [0, 1, 3, 4, 5],
      [2, 6],
    ]);
  });
});
