import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collections, type InboxDoc } from './documents.js';
import { InboxRepository } from './inbox-repository.js';
import { openTestDb } from './test-support.js';

let db: Db;
let close: () => Promise<void>;
let repo: InboxRepository;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

const doc = (id: string, minutes: number, overrides: Partial<InboxDoc> = {}): InboxDoc => ({
  _id: id,
  tenantId: 't-1',
  userId: 'u-1',
  title: `title ${id}`,
  body: `body ${id}`,
  category: 'account',
  data: {},
  createdAt: new Date(T0 + minutes * 60_000),
  readAt: null,
  ...overrides,
});

beforeAll(async () => {
  ({ db, close } = await openTestDb('inbox'));
  repo = new InboxRepository(db, { now: () => T0 + 3_600_000 });
  for (const d of [
    doc('a', 1),
    doc('b', 2, { readAt: new Date(T0) }),
    doc('c', 3),
    doc('d', 4),
    doc('other-user', 5, { userId: 'u-2' }),
    doc('other-tenant', 6, { tenantId: 't-2' }),
  ])
    await repo.add(d);
});
afterAll(async () => close());

describe('InboxRepository', () => {
  it('adds a message once: a repeated delivery leaves the first as it was', async () => {
    await repo.add(doc('a', 9, { body: 'again' }));
    expect(await db.collection<InboxDoc>(Collections.inbox).findOne({ _id: 'a' })).toEqual(doc('a', 1));
  });

  it('lists one user’s messages newest first, with paging and an unread filter', async () => {
    const ids = async (q: Partial<Parameters<InboxRepository['list']>[2]>) =>
      (await repo.list('t-1', 'u-1', { unreadOnly: false, limit: 50, before: null, ...q })).map((d) => d._id);
    expect(await ids({})).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({ limit: 2 })).toEqual(['d', 'c']);
    expect(await ids({ limit: 2, before: new Date(T0 + 3 * 60_000) })).toEqual(['b', 'a']);
    expect(await ids({ unreadOnly: true })).toEqual(['d', 'c', 'a']);
  });

  it('counts unread messages and marks them read within the tenant and user only', async () => {
    expect(await repo.unreadCount('t-1', 'u-1')).toBe(3);
    expect(await repo.markRead('t-1', 'u-1', 'a')).toEqual(new Date(T0 + 3_600_000));
    // Already read: the first reading stands.
    expect(await repo.markRead('t-1', 'u-1', 'b')).toEqual(new Date(T0));
    expect(await repo.markRead('t-1', 'u-1', 'other-tenant')).toBeNull();
    expect(await repo.markRead('t-2', 'u-1', 'a')).toBeNull();
    expect(await repo.markRead('t-1', 'u-1', 'missing')).toBeNull();
    expect(await repo.unreadCount('t-1', 'u-1')).toBe(2);

    expect((await repo.markAllRead('t-1', 'u-1')).updated).toBe(2);
    expect(await repo.unreadCount('t-1', 'u-1')).toBe(0);
    expect(await repo.unreadCount('t-1', 'u-2')).toBe(1);
    expect(await repo.unreadCount('t-2', 'u-1')).toBe(1);
  });
});
