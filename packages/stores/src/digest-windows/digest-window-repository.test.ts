import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../test-support.js';
import { digestIdOf } from './digest-id.js';
import { DigestWindowNotFoundError, DigestWindowRepository, type NewDigestItem } from './digest-window-repository.js';

const T0 = new Date('2025-06-10T12:00:00Z');

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('digest_windows'));
});
afterAll(async () => close());

/** A repository over collections of its own, and items for one user and key. */
function newStore(label: string, maxItems: number | null = null) {
  const store = new DigestWindowRepository(db, { collectionPrefix: `${label}_`, now: () => T0.getTime() });
  const user = `u-${randomUUID().slice(0, 8)}`;
  const item = (id: string, extra: Partial<NewDigestItem> = {}): NewDigestItem => ({
    tenantId: 't',
    userId: user,
    key: 'comments',
    notificationId: `${user}-${id}`,
    data: { comment: id },
    at: T0,
    closesAt: new Date(T0.getTime() + 60_000),
    maxItems,
    record: { notification: { notificationId: `${user}-${id}` } },
    ...extra,
  });
  return { store, item, user };
}

describe('DigestWindowRepository.add', () => {
  it('opens a window with the first item and adds later ones after it', async () => {
    const { store, item, user } = newStore('open');
    const first = await store.add(item('a'));
    const second = await store.add(item('b', { closesAt: new Date(T0.getTime() + 999_999) }));
    expect(first).toEqual({ digestId: digestIdOf('t', user, 'comments', 0), generation: 0, position: 1, closesAt: new Date(T0.getTime() + 60_000), maxItems: null });
    // The window's closesAt is its first item's.
    expect(second).toEqual({ ...first, position: 2 });
    const window = await store.get(first.digestId);
    expect(window?.items.map((i) => i.data.comment)).toEqual(['a', 'b']);
    expect(window?.opener).toEqual({ notification: { notificationId: `${user}-a` } });
  });

  it('is idempotent: a replayed item gets the same answer and is not added twice', async () => {
    const { store, item } = newStore('replay');
    const first = await store.add(item('a'));
    await store.add(item('b'));
    expect(await store.add(item('a'))).toEqual(first);
    expect(await store.add(item('b'))).toMatchObject({ position: 2 });
    expect((await store.get(first.digestId))?.items).toHaveLength(2);
  });

  it('places the same item added concurrently once', async () => {
    const { store, item } = newStore('concurrent-add');
    const results = await Promise.all(Array.from({ length: 6 }, () => store.add(item('a'))));
    expect(new Set(results.map((r) => `${r.digestId}/${r.position}`)).size).toBe(1);
    expect((await store.get(results[0]!.digestId))?.items).toHaveLength(1);
  });

  it('opens the next generation for an item arriving after the window closed, and a replay of an earlier item stays put', async () => {
    const { store, item, user } = newStore('late');
    const a = await store.add(item('a'));
    expect(await store.close(a.digestId, 'marker')).not.toBeNull();
    const late = await store.add(item('b'));
    expect(late).toMatchObject({ digestId: digestIdOf('t', user, 'comments', 1), generation: 1, position: 1 });
    expect(await store.add(item('a'))).toEqual(a);
    expect(await store.add(item('c'))).toMatchObject({ generation: 1, position: 2 });
  });

  it('does not add to a full window: the next item opens the next generation', async () => {
    const { store, item } = newStore('full', 2);
    expect(await store.add(item('a'))).toMatchObject({ generation: 0, position: 1, maxItems: 2 });
    expect(await store.add(item('b'))).toMatchObject({ generation: 0, position: 2 });
    // Not closed yet (its closer has not run), but full.
    expect(await store.add(item('c'))).toMatchObject({ generation: 1, position: 1 });
  });

  it('fills a window with exactly maxItems of many concurrent items, each item once, the rest in later generations', async () => {
    const { store, item } = newStore('concurrent-full', 3);
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const added = await Promise.all(ids.map((id) => store.add(item(id))));
    const byGeneration = new Map<number, number[]>();
    for (const a of added) byGeneration.set(a.generation, [...(byGeneration.get(a.generation) ?? []), a.position]);
    expect([...byGeneration.values()].map((p) => p.sort()).sort()).toEqual([[1], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    for (const a of added) expect((await store.get(a.digestId))?.items.length).toBeLessThanOrEqual(3);
  });
});

describe('DigestWindowRepository.close', () => {
  it('closes a window exactly once among concurrent closers, and answers the winner again with the same items', async () => {
    const { store, item } = newStore('closers');
    const { digestId } = await store.add(item('a'));
    await store.add(item('b'));
    const answers = await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5'].map((closer) => store.close(digestId, closer)));
    const winners = answers.filter((a) => a !== null);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    expect(winner.state).toBe('closed');
    expect(winner.items.map((i) => i.data.comment)).toEqual(['a', 'b']);
    // A replay of the winning closer (its transaction aborted) gets the same frozen items.
    const again = await store.close(digestId, winner.closedBy!);
    expect(again?.items).toEqual(winner.items);
    expect(await store.close(digestId, 'a late marker')).toBeNull();
  });

  it('loses no item racing a close: each lands in exactly one generation', async () => {
    const { store, item } = newStore('race');
    const { digestId } = await store.add(item('first'));
    const ids = Array.from({ length: 12 }, (_, i) => `r${i}`);
    const [closed, ...added] = await Promise.all([store.close(digestId, 'marker'), ...ids.map((id) => store.add(item(id)))]);
    const frozen = new Set(closed!.items.map((i) => i.data.comment));
    for (const [i, a] of added.entries()) {
      const where = a.generation === 0 ? 'frozen' : 'next';
      expect(where === 'frozen', ids[i]).toBe(frozen.has(ids[i]!));
    }
    const next = await store.get(digestIdOf('t', closed!.userId, 'comments', 1));
    const inNext = new Set(next?.items.map((i) => i.data.comment) ?? []);
    for (const id of ids) expect(Number(frozen.has(id)) + Number(inNext.has(id)), id).toBe(1);
  });

  it('refuses a window no item opened', async () => {
    const { store } = newStore('missing');
    await expect(store.close('no-such-digest', 'marker')).rejects.toBeInstanceOf(DigestWindowNotFoundError);
  });
});

describe('DigestSession', () => {
  it('costs a slice a few commands for all its items, and one update per item joining a window', async () => {
    const { store, item } = newStore('session');
    const seen = ['digest_items', 'digest_heads', 'digest_windows'].map((c) => commandsOn(`session_${c}`));
    const items = Array.from({ length: 20 }, (_, i) => item(`s${i}`));
    const session = await store.session(items);
    for (const i of items) await session.add(i);
    const [itemsCommands, headsCommands, windowsCommands] = seen.map((read) => read());
    expect(itemsCommands).toEqual(['find', 'insert']);
    expect(headsCommands).toEqual(['find', 'update']);
    expect(windowsCommands).toEqual(['find', 'insert', ...Array<string>(19).fill('findAndModify')]);

    // The same slice again (an aborted transaction): one read each, the same answers.
    const before = seen.map((read) => read().length);
    const replay = await store.session(items);
    const again = [];
    for (const i of items) again.push(await replay.add(i));
    expect(again.map((a) => a.position)).toEqual(items.map((_, i) => i + 1));
    expect(seen.map((read, i) => read().slice(before[i]))).toEqual([['find'], ['find'], ['find']]);
  });

  it('keeps the order of a slice: an item after a close in the same slice goes to the next window', async () => {
    const { store, item } = newStore('session-order');
    const [a, b] = [item('a'), item('b')];
    const session = await store.session([a, b]);
    const first = await session.add(a);
    expect(await session.close(first.digestId, 'marker')).toMatchObject({ items: [{ notificationId: a.notificationId }] });
    expect(await session.add(b)).toMatchObject({ generation: 1, position: 1 });
    // An item the session was not opened with is looked up alone.
    expect(await session.add(item('c'))).toMatchObject({ generation: 1, position: 2 });
  });
});
