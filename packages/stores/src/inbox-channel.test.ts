import { describe, expect, it } from 'vitest';
import { INBOX_CHANNEL_PATTERN, inboxChannel } from './inbox-channel.js';

describe('inbox channels', () => {
  it('names one channel per tenant and user, all under the gateways’ pattern', () => {
    expect(inboxChannel('t-1', 'u-1')).toBe('notify:inapp:t-1:u-1');
    expect(INBOX_CHANNEL_PATTERN).toBe('notify:inapp:*');
    expect(inboxChannel('t-1', 'u-1').startsWith(INBOX_CHANNEL_PATTERN.slice(0, -1))).toBe(true);
  });
});
