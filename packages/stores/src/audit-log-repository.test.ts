import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { AuditLogRepository } from './audit-log-repository.js';
import { Collections } from './documents.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('audit_log'));
});
afterAll(async () => close());

describe('AuditLogRepository', () => {
  it('records each entry with the time it was recorded', async () => {
    const repo = new AuditLogRepository(db, { now: () => 5_000 });
    const entry = { tenantId: 't1', actor: 'key-1', action: 'controls.update', target: 'controls', details: { sms: false } };
    await repo.record(entry);
    await repo.record(entry);
    const docs = await db.collection(Collections.auditLog).find({}, { projection: { _id: 0 } }).toArray();
    expect(docs).toEqual([
      { ...entry, at: new Date(5_000) },
      { ...entry, at: new Date(5_000) },
    ]);
  });
});
