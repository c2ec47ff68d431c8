import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { Collections } from './documents.js';
import { ensureIndexes } from './indexes.js';
import { TenantRepository } from './tenant-repository.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('tenants'));
  await ensureIndexes(db);
});
afterAll(async () => close());

describe('TenantRepository', () => {
  it('tells which of several tenants exist in one find', async () => {
    const repo = new TenantRepository(db);
    for (const tenantId of ['a', 'b']) await repo.upsert({ tenantId, name: tenantId, defaultLocale: 'en' });
    const seen = commandsOn(Collections.tenants);
    expect(await repo.existing(['a', 'ghost', 'b', 'a'])).toEqual(new Set(['a', 'b']));
    expect(seen()).toEqual(['find']);
    expect(await repo.existing([])).toEqual(new Set());
    expect(await repo.exists('b')).toBe(true);
    expect(await repo.exists('ghost')).toBe(false);
  });
});
