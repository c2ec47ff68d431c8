import { describe, expect, it } from 'vitest';
import { DIGEST_LISTED_ITEMS, digestAcceptedEvent, digestedEvent, digestNotification, type DigestView } from './digest-notification.js';
import { enrichedItem, NOW } from './__fixtures__/digest-items.js';

const items = (count: number) => Array.from({ length: count }, (_, i) => ({ notificationId: `n-${i + 1}`, data: { comment: `c${i + 1}` } }));

describe('digestNotification', () => {
  it("is the first item's notification under the digest id, with its data and the digest, never digested again", () => {
    const first = enrichedItem({ notificationId: 'n-1', data: { comment: 'c1' }, scheduledFor: NOW - 5, expiresAt: NOW + 5 });
    const value = digestNotification(first, { digestId: 'd-1', key: 'comments', items: items(3) }, NOW);
    expect(value.recipient).toEqual(first.recipient);
    expect(value.content).toEqual(first.content);
    expect(value.notification).toEqual({
      ...first.notification,
      notificationId: 'd-1',
      data: {
        comment: 'c1',
        digestKey: 'comments',
        digestCount: '3',
        digest: JSON.stringify({
          count: 3,
          items: [
            { comment: 'c1', notificationId: 'n-1' },
            { comment: 'c2', notificationId: 'n-2' },
            { comment: 'c3', notificationId: 'n-3' },
          ],
          more: 0,
        }),
      },
      scheduledFor: null,
      expiresAt: null,
      acceptedAt: NOW,
      idempotencyKey: 'digest:d-1',
      source: 'SCHEDULER',
      digest: null,
    });
  });

  it(`lists the first ${DIGEST_LISTED_ITEMS} items and counts the rest`, () => {
    const value = digestNotification(enrichedItem(), { digestId: 'd-1', key: 'comments', items: items(25) }, NOW);
    const view = JSON.parse(value.notification.data.digest!) as DigestView;
    expect(view.count).toBe(25);
    expect(view.items.map((i) => i.notificationId)).toEqual(items(DIGEST_LISTED_ITEMS).map((i) => i.notificationId));
    expect(view.more).toBe(15);
    expect(value.notification.data.digestCount).toBe('25');
  });
});

describe('digest status events', () => {
  it('the digest is ACCEPTED with its key, item count and every item id', () => {
    const digest = { digestId: 'd-1', key: 'comments', items: items(12) };
    const value = digestNotification(enrichedItem(), digest, NOW);
    expect(digestAcceptedEvent(value, digest, 'max_items', NOW)).toMatchObject({
      notificationId: 'd-1',
      tenantId: 't-1',
      userId: 'u-1',
      status: 'ACCEPTED',
      stage: 'preference-filter',
      channel: null,
      occurredAt: NOW,
      attributes: { digestKey: 'comments', itemCount: '12', items: items(12).map((i) => i.notificationId).join(',') },
    });
  });

  it('an item is DIGESTED into its digest', () => {
    expect(digestedEvent(enrichedItem(), 'd-1', 'comments', NOW)).toMatchObject({
      notificationId: 'n-1',
      status: 'DIGESTED',
      stage: 'preference-filter',
      channel: null,
      attributes: { digestId: 'd-1', digestKey: 'comments' },
    });
  });
});
