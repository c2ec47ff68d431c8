import { describe, expect, it } from 'vitest';
import { expectedNotificationId, uuidV5 } from './notification-ids.js';

describe('expectedNotificationId', () => {
  it("matches ingest's ids (values computed by services/ingest notificationId)", () => {
    expect(expectedNotificationId('t1', 'k1', 'ada')).toBe('c932fa42-3161-59c2-a1e4-057f74dd6c1a');
    expect(expectedNotificationId('chaos-x', 'r-000001', 'u0007')).toBe('5f834fcf-7608-5514-9069-6ec398ef28ef');
  });

  it('is an RFC 4122 version-5 UUID (the DNS example of the uuid test vectors)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});
