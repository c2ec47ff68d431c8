import { describe, expect, it } from 'vitest';
import { expectedNotificationId } from './notification-ids.js';
import { CHAOS_DIGEST, planWorkload, refIn, SCENARIOS } from './workload.js';

describe('planWorkload', () => {
  const w = planWorkload({ tenantId: 'chaos-t', notifications: 500, restShare: 0.5, seed: 7 });

  it('covers exactly the requested number of notifications, one per recipient of each request', () => {
    expect(w.notifications.size).toBe(500);
    expect(w.requests.reduce((n, r) => n + r.recipients.length, 0)).toBe(500);
    for (const r of w.requests) expect(new Set(r.recipients).size).toBe(r.recipients.length);
  });

  it('uses every scenario and both entry points', () => {
    expect(new Set(w.requests.map((r) => r.scenario))).toEqual(new Set(SCENARIOS.map((s) => s.kind)));
    expect(new Set(w.requests.map((r) => r.via))).toEqual(new Set(['REST', 'KAFKA']));
  });

  it("derives notification ids as ingest does and gives every recipient its own address", () => {
    const r = w.requests[0]!;
    expect(w.notifications.get(expectedNotificationId('chaos-t', r.key, r.recipients[0]!))?.requestKey).toBe(r.key);
    expect(new Set(w.recipients.map((x) => x.phone)).size).toBe(w.recipients.length);
  });

  it('sends the digested scenario to its own few users, with the digest, each item expecting its digest delivered', () => {
    const digested = w.requests.filter((r) => r.scenario === 'digested');
    expect(digested.length).toBeGreaterThan(0);
    const digestUsers = new Set(w.recipients.filter((x) => x.cohort === 'digest').map((x) => x.userId));
    for (const r of w.requests) {
      expect(r.digest).toEqual(r.scenario === 'digested' ? CHAOS_DIGEST : null);
      for (const u of r.recipients) expect(digestUsers.has(u)).toBe(r.scenario === 'digested');
    }
    const item = w.notifications.get(expectedNotificationId('chaos-t', digested[0]!.key, digested[0]!.recipients[0]!))!;
    expect(item.expect).toEqual({ whole: 'DIGESTED' });
    expect(item.digestExpect).toEqual({ channels: { EMAIL: 'SENT' } });
  });

  it('is reproducible from its seed', () => {
    const again = planWorkload({ tenantId: 'chaos-t', notifications: 500, restShare: 0.5, seed: 7 });
    expect(again.requests).toEqual(w.requests);
  });

  it('finds the request ref in a rendered body', () => {
    expect(refIn('SMS r0000042')).toBe('r0000042');
    expect(refIn('nothing here')).toBeUndefined();
  });
});
