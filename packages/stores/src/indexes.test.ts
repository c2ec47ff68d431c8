import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { Collections } from './documents.js';
import { INDEXES, ensureIndexes, ttlIndexSpecs } from './indexes.js';
import { serverProfile } from './server-profile.js';
import { TtlSweeper } from './ttl-sweeper.js';
import { openTestDb } from './test-support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('indexes'));
});
afterAll(async () => close());

describe('ensureIndexes', () => {
  it('creates every index, is idempotent, and reports the TTL indexes the server refused', async () => {
    const first = await ensureIndexes(db);
    const second = await ensureIndexes(db);
    expect(second).toEqual(first);

    for (const spec of INDEXES) {
      const indexes = await db.collection(spec.collection).listIndexes().toArray();
      const found = indexes.find((i) => i.name === spec.name);
      expect(found, spec.name).toBeDefined();
      expect(found?.key).toEqual(spec.key);
      expect(Boolean(found?.unique)).toBe(spec.unique ?? false);
    }
    for (const spec of ttlIndexSpecs()) {
      const indexes = await db.collection(spec.collection).listIndexes().toArray();
      const native = indexes.find(
        (i) => i.name === spec.name && i.expireAfterSeconds === spec.expireAfterSeconds,
      );
      const fellBack = first.ttlFallbacks.find((f) => f.spec.name === spec.name);
      // Exactly one of the two enforces the expiry.
      expect(Boolean(native) !== Boolean(fellBack), spec.name).toBe(true);
      if (fellBack) expect(indexes.some((i) => i.name === `${spec.name}_sweep`)).toBe(true);
    }
  });

  it('chooses the sweeper by what the server is, for every TTL index', async () => {
    const server = await serverProfile(db);
    const report = await ensureIndexes(db);
    if (server.expiresTtlIndexes) {
      expect(server.kind).toBe('mongodb');
      expect(report.ttlFallbacks).toEqual([]);
      return;
    }
    expect(report.ttlFallbacks.map((f) => f.spec.name).sort()).toEqual([
      'audit_log_ttl', 'digest_closes_ttl', 'digest_items_ttl', 'digest_windows_ttl', 'idempotency_keys_ttl', 'inbox_ttl', 'leases_ttl',
    ]);
    expect(report.ttlFallbacks[0]?.reason).toMatch(/does not expire TTL indexes/);
  });

  it('recognises the local stack server as mongo-java-server', async () => {
    const build = (await db.admin().command({ buildInfo: 1 })) as { gitVersion?: string; ferretdb?: unknown };
    if (build.gitVersion || build.ferretdb) return; // pointed at a MongoDB or FerretDB: nothing local to recognise
    expect(await serverProfile(db)).toMatchObject({ kind: 'mongo-java-server', expiresTtlIndexes: false });
  });

  it('applies custom retention', () => {
    const specs = ttlIndexSpecs({ inboxDays: 7, auditLogDays: 30 });
    expect(specs.find((s) => s.name === 'inbox_ttl')?.expireAfterSeconds).toBe(7 * 24 * 3600);
    expect(specs.find((s) => s.name === 'audit_log_ttl')?.expireAfterSeconds).toBe(30 * 24 * 3600);
  });

  it('enforces the unique indexes', async () => {
    await ensureIndexes(db);
    const templates = db.collection(Collections.templates);
    const template = { tenantId: 't1', templateId: 'welcome', channel: 'EMAIL', locale: 'en', version: 1 };
    await templates.insertOne({ ...template });
    await expect(templates.insertOne({ ...template })).rejects.toMatchObject({ code: 11000 });
    await templates.insertOne({ ...template, version: 2 });
  });

});

describe('TtlSweeper', () => {
  it('deletes expired documents only', async () => {
    const now = Date.now();
    const idem = db.collection(Collections.idempotency);
    const inbox = db.collection(Collections.inbox);
    await idem.insertMany([
      { _id: 'old' as never, expiresAt: new Date(now - 1000) },
      { _id: 'new' as never, expiresAt: new Date(now + 60_000) },
    ]);
    await inbox.insertMany([
      { _id: 'old' as never, createdAt: new Date(now - 91 * DAY_MS) },
      { _id: 'new' as never, createdAt: new Date(now - 89 * DAY_MS) },
    ]);
    const sweeper = new TtlSweeper(db, ttlIndexSpecs(), { now: () => now });
    const deleted = await sweeper.sweepOnce();
    expect(deleted).toMatchObject({ 'idempotency_keys.idempotency_keys_ttl': 1, 'inapp_inbox.inbox_ttl': 1 });
    expect(
      await idem
        .find()
        .map((d) => d._id)
        .toArray(),
    ).toEqual(['new']);
    expect(
      await inbox
        .find()
        .map((d) => d._id)
        .toArray(),
    ).toEqual(['new']);
  });

  it('sweeps periodically until stopped', async () => {
    const audit = db.collection(Collections.auditLog);
    const spec = ttlIndexSpecs().filter((s) => s.name === 'audit_log_ttl');
    const sweeper = new TtlSweeper(db, spec, { intervalMs: 50 }).start();
    await audit.insertOne({ tenantId: 't', at: new Date(Date.now() - 400 * DAY_MS) });
    await expect.poll(() => audit.countDocuments(), { timeout: 5_000 }).toBe(0);
    await sweeper.stop();
    await audit.insertOne({ tenantId: 't', at: new Date(Date.now() - 400 * DAY_MS) });
    await new Promise((r) => setTimeout(r, 200));
    expect(await audit.countDocuments()).toBe(1);
  });

  it('reports sweep failures and keeps going', async () => {
    const errors: unknown[] = [];
    const bad = [{ collection: Collections.auditLog, name: 'bad', field: '$bad', expireAfterSeconds: 0 }];
    const sweeper = new TtlSweeper(db, bad, { intervalMs: 50, onError: (e) => errors.push(e) }).start();
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    await sweeper.stop();
  });
});
