import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collections } from '../documents.js';
import { openTestDb } from '../test-support.js';
import { bucketId, bucketOf, BUCKETS } from './subscriber-buckets.js';
import { formatSubscriberCursor, parseSubscriberCursor } from './subscriber-cursor.js';
import { TopicSubscriptionRepository } from './topic-subscription-repository.js';

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];
let repo: TopicSubscriptionRepository;

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('topic_subscriptions'));
  repo = new TopicSubscriptionRepository(db);
});
afterAll(async () => close());

const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Every subscriber of the topics, read page by page the way an expansion reads them. */
async function expandAll(tenantId: string, topicIds: string[], wanted: number, exclude: string[] = []) {
  const pages: string[][] = [];
  let from: number | null = 0;
  while (from !== null) {
    const page = await repo.expansionPage({
      tenantId,
      topicIds,
      fromBucket: from,
      wanted,
      exclude: new Set(exclude),
    });
    pages.push(page.userIds);
    expect(page.nextBucket === null || page.nextBucket > from).toBe(true);
    from = page.nextBucket;
  }
  return pages;
}

describe('subscriber buckets', () => {
  it('puts a user in the same bucket every time, and keys buckets without collisions', () => {
    expect(bucketOf('ada')).toBe(bucketOf('ada'));
    const spread = new Set(users('u', 5_000).map(bucketOf));
    expect(spread.size).toBe(BUCKETS);
    expect(bucketId('a:b', 'c', 1)).not.toBe(bucketId('a', 'b:c', 1));
  });

  it('formats cursors it can read back, and refuses others', () => {
    expect(parseSubscriberCursor(formatSubscriberCursor({ bucket: 12, offset: 300 }))).toEqual({
      bucket: 12,
      offset: 300,
    });
    for (const bad of ['', 'x', '12', '256.0', '-1.0', '1.2.3', '1.-2'])
      expect(parseSubscriberCursor(bad), bad).toBeNull();
  });
});

describe('TopicSubscriptionRepository', () => {
  it('counts only users not subscribed yet, and only subscribed users as removed', async () => {
    expect(await repo.subscribe('t1', 'news', ['a', 'b', 'c', 'a'])).toBe(3);
    expect(await repo.subscribe('t1', 'news', ['b', 'c', 'd'])).toBe(1);
    expect(await repo.unsubscribe('t1', 'news', ['a', 'x', 'a'])).toBe(1);
    expect(await repo.unsubscribe('t1', 'news', ['a'])).toBe(0);
    const { subscribers } = await repo.list('t1', 'news', null, 100);
    expect(subscribers.sort()).toEqual(['b', 'c', 'd']);
  });

  it('writes every touched bucket in one bulk write after one read', async () => {
    const commands = commandsOn(Collections.topicSubscriptions);
    expect(await repo.subscribe('t1', 'bulk', users('u', 2_000))).toBe(2_000);
    expect(commands()).toEqual(['find', 'update']);
    const stored = await db.collection(Collections.topicSubscriptions).countDocuments({ topicId: 'bulk' });
    expect(stored).toBe(BUCKETS);
  });

  it('keeps tenants and topics apart', async () => {
    await repo.subscribe('t2', 'alerts', ['ada']);
    await repo.subscribe('t3', 'alerts', ['bob']);
    await repo.subscribe('t2', 'other', ['cyd']);
    expect((await repo.list('t2', 'alerts', null, 10)).subscribers).toEqual(['ada']);
    expect((await repo.list('t3', 'alerts', null, 10)).subscribers).toEqual(['bob']);
    expect(await repo.list('t2', 'nobody', null, 10)).toEqual({ subscribers: [], nextCursor: null });
  });

  it('lists every subscriber once across pages, in a stable order', async () => {
    const all = users('p', 1_050);
    await repo.subscribe('t4', 'paged', all);
    const seen: string[] = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await repo.list('t4', 'paged', cursor, 100);
      expect(page.subscribers.length).toBeLessThanOrEqual(100);
      seen.push(...page.subscribers);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen)).toEqual(new Set(all));
    expect(pages).toBeGreaterThanOrEqual(11);
    const again = await repo.list('t4', 'paged', null, 100);
    expect(again.subscribers).toEqual(seen.slice(0, 100));
  });

  it('expands two overlapping topics into each user once, page by page, leaving out the excluded', async () => {
    await repo.subscribe('t5', 'a', users('x', 600));
    await repo.subscribe('t5', 'b', [...users('x', 300), ...users('y', 300)]);
    const pages = await expandAll('t5', ['a', 'b'], 100, ['x-1', 'y-2', 'not-subscribed']);
    const expanded = pages.flat();
    expect(expanded).toHaveLength(600 + 300 - 2);
    expect(new Set(expanded).size).toBe(expanded.length);
    expect(expanded).not.toContain('x-1');
    expect(expanded).not.toContain('y-2');
    expect(pages.length).toBeGreaterThan(5);
    // Whole buckets until the page holds at least what was wanted, except the last.
    for (const page of pages.slice(0, -1)) expect(page.length).toBeGreaterThanOrEqual(100);
  });

  it('ends at once for topics without subscribers', async () => {
    expect(
      await repo.expansionPage({
        tenantId: 't6',
        topicIds: ['none'],
        fromBucket: 0,
        wanted: 10,
        exclude: new Set(),
      }),
    ).toEqual({
      userIds: [],
      nextBucket: null,
    });
  });
});
