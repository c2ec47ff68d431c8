import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { ensureIndexes } from './indexes.js';
import { PreferencesRepository } from './preferences-repository.js';
import { TenantRepository } from './tenant-repository.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('preferences'));
  await ensureIndexes(db);
});
afterAll(async () => close());

describe('PreferencesRepository', () => {
  it('upserts, replaces and reads preferences in batches', async () => {
    const repo = new PreferencesRepository(db, { now: () => 7 });
    const prefs = {
      tenantId: 't1',
      userId: 'u1',
      globalUnsubscribe: false,
      categories: { billing: { SMS: false } },
    };
    await repo.upsert(prefs);
    expect(await repo.get('t1', 'u1')).toEqual({ ...prefs, updatedAt: new Date(7) });
    await repo.upsert({ ...prefs, categories: {}, quietHours: { start: '22:00', end: '07:00' } });
    expect(await repo.get('t1', 'u1')).toMatchObject({
      categories: {},
      quietHours: { start: '22:00', end: '07:00' },
    });
    await repo.upsert({ ...prefs, userId: 'u2', globalUnsubscribe: true });
    const many = await repo.getMany('t1', ['u1', 'u2', 'u3']);
    expect([...many.keys()].sort()).toEqual(['u1', 'u2']);
    expect(many.get('u2')?.globalUnsubscribe).toBe(true);
    expect(await repo.get('t2', 'u1')).toBeNull();
    expect((await repo.getMany('t1', [])).size).toBe(0);
  });
});

describe('TenantRepository', () => {
  it('upserts a tenant and keeps its creation time', async () => {
    let now = 1;
    const repo = new TenantRepository(db, { now: () => now });
    expect(await repo.exists('acme')).toBe(false);
    await repo.upsert({ tenantId: 'acme', name: 'Acme', defaultLocale: 'en' });
    now = 2;
    await repo.upsert({ tenantId: 'acme', name: 'Acme Inc', defaultLocale: 'fr' });
    expect(await repo.get('acme')).toEqual({
      _id: 'acme',
      name: 'Acme Inc',
      defaultLocale: 'fr',
      createdAt: new Date(1),
    });
    expect(await repo.exists('acme')).toBe(true);
    expect(await repo.get('nobody')).toBeNull();
  });
});
