import { describe, expect, it } from 'vitest';
import { validate, version } from 'uuid';
import { notificationId } from './notification-id.js';

describe('notificationId', () => {
  it('is a deterministic UUIDv5', () => {
    const id = notificationId('acme', 'order-42', 'u1');
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(5);
    expect(notificationId('acme', 'order-42', 'u1')).toBe(id);
  });

  it('differs when any part differs, without ambiguity between parts', () => {
    const ids = new Set([
      notificationId('acme', 'order-42', 'u1'),
      notificationId('acme', 'order-42', 'u2'),
      notificationId('acme', 'order-43', 'u1'),
      notificationId('other', 'order-42', 'u1'),
      notificationId('a:b', 'c', 'u1'),
      notificationId('a', 'b:c', 'u1'),
    ]);
    expect(ids.size).toBe(6);
  });

  it('is stable across releases', () => {
    expect(notificationId('acme', 'order-42', 'u1')).toBe('81124992-5f78-56a8-bcb4-94e46c900e1d');
  });
});
