import type { BroadcastExpansion } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { broadcastExpansion } from './broadcast-expansion.js';
import {
  expandBroadcastPage,
  type SubscriberPageRead,
  type SubscriberPages,
} from './expand-broadcast-page.js';
import { fanOut } from './fan-out.js';
import { notificationId } from './notification-id.js';
import type { NormalizedRequest } from './request-schema.js';

const BUCKETS = 4;

/**
 * Subscribers by topic, bucketed like the store: a user is in the same bucket in every topic (here the
 * last digit of the id, mod BUCKETS), pages are whole buckets, each user once across topics.
 */
function subscriberPages(
  topics: Record<string, string[]>,
): SubscriberPages & { reads: SubscriberPageRead[] } {
  const bucketOf = (userId: string) => Number(userId.at(-1)) % BUCKETS;
  const reads: SubscriberPageRead[] = [];
  return {
    reads,
    async expansionPage(read) {
      reads.push(read);
      const userIds: string[] = [];
      for (let bucket = read.fromBucket; bucket < BUCKETS; bucket++) {
        const members = new Set(
          read.topicIds.flatMap((t) => topics[t] ?? []).filter((u) => bucketOf(u) === bucket),
        );
        userIds.push(...[...members].sort().filter((u) => !read.exclude.has(u)));
        if (userIds.length >= read.wanted)
          return { userIds, nextBucket: bucket + 1 < BUCKETS ? bucket + 1 : null };
      }
      return { userIds, nextBucket: null };
    },
  };
}

const request: NormalizedRequest = {
  tenantId: 'acme',
  idempotencyKey: 'launch-1',
  recipients: ['u1'],
  templateId: 'launch',
  category: 'news',
  channels: ['EMAIL'],
  priority: 'NORMAL',
  data: { product: 'rocket' },
  scheduledFor: null,
  expiresAt: null,
  requestedAt: 1_000,
  topics: ['news', 'launches'],
  digest: null,
};
const context = { acceptedAt: 2_000, source: 'REST' as const };
const start = broadcastExpansion(request, context) as BroadcastExpansion;

/** Every page of an expansion, following its continuations. */
async function expandAll(pages: SubscriberPages, pageSize: number) {
  const expanded = [];
  let next: BroadcastExpansion | null = start;
  while (next) {
    const page = await expandBroadcastPage(pages, next, pageSize);
    expanded.push(page);
    next = page.continuation;
  }
  return expanded;
}

describe('broadcastExpansion', () => {
  it('starts at the first bucket with the request template, its topics and its own recipients', () => {
    expect(start).toMatchObject({
      tenantId: 'acme',
      idempotencyKey: 'launch-1',
      acceptedAt: 2_000,
      source: 'REST',
    });
    expect(start).toMatchObject({ topics: ['news', 'launches'], directRecipients: ['u1'], nextBucket: 0 });
  });

  it('is null for a request without topics', () => {
    expect(broadcastExpansion({ ...request, topics: [] }, context)).toBeNull();
  });
});

describe('expandBroadcastPage', () => {
  it('builds each subscriber notification exactly as a named recipient one, with its deterministic id', async () => {
    const [page] = await expandAll(subscriberPages({ news: ['u2'] }), 10);
    const named = fanOut({ ...request, recipients: ['u2'] }, context)[0];
    expect(page!.notifications).toEqual([named]);
    expect(page!.notifications[0]!.notificationId).toBe(notificationId('acme', 'launch-1', 'u2'));
    expect(page!.statusEvents).toEqual([
      expect.objectContaining({
        notificationId: named!.notificationId,
        status: 'ACCEPTED',
        stage: 'ingest',
        attributes: { source: 'REST' },
      }),
    ]);
  });

  it('notifies a user in two topics once, and leaves out the request own recipients', async () => {
    const pages = await expandAll(
      subscriberPages({ news: ['u1', 'u2', 'u3', 'u5'], launches: ['u2', 'u3', 'u6'] }),
      100,
    );
    const users = pages.flatMap((p) => p.notifications.map((n) => n.userId));
    expect(users.sort()).toEqual(['u2', 'u3', 'u5', 'u6']);
  });

  it('hands on the rest of the expansion from the next bucket until none is left', async () => {
    const pages = subscriberPages({ news: ['u0', 'u4', 'u2', 'u3'], launches: ['u7'] });
    const expanded = await expandAll(pages, 1);
    // Bucket 1 is empty: the second page reads on into bucket 2.
    expect(pages.reads.map((r) => r.fromBucket)).toEqual([0, 1, 3]);
    expect(expanded.map((p) => p.notifications.map((n) => n.userId))).toEqual([
      ['u0', 'u4'],
      ['u2'],
      ['u3', 'u7'],
    ]);
    expect(expanded.map((p) => p.continuation?.nextBucket ?? null)).toEqual([1, 3, null]);
    expect(expanded[0]!.continuation).toEqual({ ...start, nextBucket: 1 });
  });

  it('asks for a page of the configured size, from where the expansion stands, excluding the direct recipients', async () => {
    const pages = subscriberPages({});
    await expandBroadcastPage(pages, { ...start, nextBucket: 2 }, 2_000);
    expect(pages.reads).toEqual([
      {
        tenantId: 'acme',
        topicIds: ['news', 'launches'],
        fromBucket: 2,
        wanted: 2_000,
        exclude: new Set(['u1']),
      },
    ]);
  });

  it('ends at once, with nothing to notify, when the topics have no subscribers', async () => {
    const expanded = await expandAll(subscriberPages({}), 10);
    expect(expanded).toEqual([{ notifications: [], statusEvents: [], continuation: null }]);
  });

  it('gives the same ids when a page is expanded again', async () => {
    const pages = subscriberPages({ news: ['u2', 'u3'] });
    const first = await expandBroadcastPage(pages, start, 10);
    const again = await expandBroadcastPage(pages, start, 10);
    expect(again.notifications.map((n) => n.notificationId)).toEqual(
      first.notifications.map((n) => n.notificationId),
    );
  });
});
