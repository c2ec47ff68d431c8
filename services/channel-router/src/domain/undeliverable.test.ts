import { describe, expect, it } from 'vitest';
import { filtered, recipient } from './__fixtures__/notifications.js';
import { addressesToCheck, undeliverableAddresses } from './undeliverable.js';

describe('undeliverable addresses', () => {
  it("asks about the recipient's email address and phone number only: no other channel is ever marked", () => {
    expect(addressesToCheck(filtered())).toEqual([
      { channel: 'EMAIL', address: 'ada@example.com' },
      { channel: 'SMS', address: '+447700900123' },
    ]);
    expect(addressesToCheck(filtered({ recipient: recipient({ email: null, phone: ' ' }) }))).toEqual([]);
  });

  it('groups the found marks by channel', () => {
    const found = undeliverableAddresses([
      { channel: 'EMAIL', address: 'a@example.com' },
      { channel: 'SMS', address: '+1' },
      { channel: 'EMAIL', address: 'b@example.com' },
    ]);
    expect(found.EMAIL).toEqual(new Set(['a@example.com', 'b@example.com']));
    expect(found.SMS).toEqual(new Set(['+1']));
    expect(found.PUSH).toBeUndefined();
  });
});
