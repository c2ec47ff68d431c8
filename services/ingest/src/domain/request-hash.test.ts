import { describe, expect, it } from 'vitest';
import { requestHash } from './request-hash.js';
import type { NormalizedRequest } from './request-schema.js';

const request: NormalizedRequest = {
  tenantId: 'acme',
  idempotencyKey: 'k',
  recipients: ['u1'],
  templateId: 't',
  category: 'c',
  channels: [],
  priority: 'NORMAL',
  data: { a: '1', b: '2' },
  scheduledFor: null,
  expiresAt: null,
  requestedAt: 1,
  topics: [],
  digest: null,
};

describe('requestHash', () => {
  it('ignores requestedAt and data key order', () => {
    expect(requestHash({ ...request, requestedAt: 2, data: { b: '2', a: '1' } })).toBe(requestHash(request));
  });

  it('changes with anything the request asks for', () => {
    const variants: Partial<NormalizedRequest>[] = [
      { recipients: ['u2'] },
      { templateId: 'x' },
      { category: 'x' },
      { channels: ['SMS'] },
      { priority: 'HIGH' },
      { data: { a: '1', b: '3' } },
      { scheduledFor: 5 },
      { expiresAt: 5 },
      { tenantId: 'x' },
    ];
    const hashes = new Set([requestHash(request), ...variants.map((v) => requestHash({ ...request, ...v }))]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});
