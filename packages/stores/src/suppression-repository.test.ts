import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { Collections } from './documents.js';
import { normaliseAddress, SuppressionRepository, suppressionId, type SuppressionEntry } from './suppression-repository.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('suppressions'));
});
afterAll(async () => close());

const entry = (overrides: Partial<SuppressionEntry> = {}): SuppressionEntry => ({
  tenantId: 't1',
  channel: 'EMAIL',
  address: 'ada@example.com',
  reason: 'hard_bounce',
  provider: 'sendgrid',
  notificationId: 'n1',
  occurredAt: 1_000,
  ...overrides,
});

describe('normaliseAddress', () => {
  it('lower-cases email addresses and takes them out of a display name; strips phone formatting', () => {
    expect(normaliseAddress('EMAIL', '  Ada <Ada@Example.COM> ')).toBe('ada@example.com');
    expect(normaliseAddress('EMAIL', 'ADA@example.com')).toBe('ada@example.com');
    expect(normaliseAddress('SMS', '+44 (7700) 900-123')).toBe('+447700900123');
    expect(normaliseAddress('PUSH', ' token ')).toBe('token');
  });

  it('keys a mark by tenant, channel and address, and never a blank address', () => {
    const id = suppressionId({ tenantId: 't:1', channel: 'EMAIL', address: 'Ada@example.com' });
    expect(id).toBe(suppressionId({ tenantId: 't:1', channel: 'EMAIL', address: 'ada@example.com ' }));
    expect(id).not.toContain('ada'); // a hash, not the address
    expect(id).not.toBe(suppressionId({ tenantId: 't:1', channel: 'SMS', address: 'Ada@example.com' }));
    expect(id).not.toBe(suppressionId({ tenantId: 't', channel: 'EMAIL', address: '1:ada@example.com' }));
    expect(suppressionId({ tenantId: 't1', channel: 'EMAIL', address: '  ' })).toBeNull();
  });
});

describe('SuppressionRepository', () => {
  it('marks an address once, keeping the first mark', async () => {
    const repo = new SuppressionRepository(db, { now: () => 5_000 });
    expect(await repo.suppress([entry(), entry({ notificationId: 'n2', reason: 'complaint' }), entry({ address: ' ' })])).toEqual([true, false, false]);
    expect(await repo.suppress([entry({ address: 'ADA@example.com', notificationId: 'n3' })])).toEqual([false]);
    const doc = await repo.find({ tenantId: 't1', channel: 'EMAIL', address: 'ada@example.com' });
    expect(doc).toMatchObject({ tenantId: 't1', channel: 'EMAIL', reason: 'hard_bounce', provider: 'sendgrid', notificationId: 'n1', occurredAt: new Date(1_000), createdAt: new Date(5_000) });
    expect(doc?.addressHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await db.collection(Collections.suppressions).find().toArray())).not.toContain('ada@');
  });

  it('answers for many addresses in one find, as the refs were given', async () => {
    const repo = new SuppressionRepository(db);
    await repo.suppress([
      entry({ tenantId: 't2', address: 'bounced@example.com' }),
      entry({ tenantId: 't2', channel: 'SMS', address: '+15550001111', provider: 'twilio' }),
    ]);
    const commands = commandsOn(Collections.suppressions);
    const refs = [
      { tenantId: 't2', channel: 'EMAIL' as const, address: 'Bounced@Example.com', notificationId: 'a' },
      { tenantId: 't2', channel: 'EMAIL' as const, address: 'fine@example.com', notificationId: 'b' },
      { tenantId: 't3', channel: 'EMAIL' as const, address: 'bounced@example.com', notificationId: 'c' }, // another tenant
      { tenantId: 't2', channel: 'SMS' as const, address: '+1 555 000 1111', notificationId: 'd' },
      { tenantId: 't2', channel: 'EMAIL' as const, address: '+15550001111', notificationId: 'e' }, // another channel
      { tenantId: 't2', channel: 'EMAIL' as const, address: '', notificationId: 'f' },
      ...Array.from({ length: 150 }, (_, i) => ({ tenantId: 't2', channel: 'EMAIL' as const, address: `u${i}@example.com`, notificationId: `g${i}` })),
    ];
    expect((await repo.suppressedAmong(refs)).map((r) => r.notificationId)).toEqual(['a', 'd']);
    expect(commands()).toEqual(['find']);
    expect(await repo.suppressedAmong([])).toEqual([]);
    expect(commands()).toEqual(['find']);
  });

  it('releases an address, which a later bounce can mark again', async () => {
    const repo = new SuppressionRepository(db);
    const ref = { tenantId: 't4', channel: 'EMAIL' as const, address: 'back@example.com' };
    await repo.suppress([entry({ ...ref, reason: 'complaint' })]);
    expect(await repo.release({ ...ref, address: 'BACK@example.com' })).toBe(true);
    expect(await repo.release(ref)).toBe(false);
    expect(await repo.suppressedAmong([ref])).toEqual([]);
    expect(await repo.suppress([entry(ref)])).toEqual([true]);
    expect(await repo.suppressedAmong([ref])).toEqual([ref]);
  });
});
