import { describe, expect, it } from 'vitest';
import { closingItemCount, DIGEST_ITEMS_CEILING, digestRoleOf } from './digest-role.js';
import { COMMENTS, enrichedItem, NOW } from './__fixtures__/digest-items.js';

describe('digestRoleOf', () => {
  it('takes a record with the close-marker header as the close of that window, whatever its value', () => {
    expect(digestRoleOf(enrichedItem(), 'digest-1', NOW)).toEqual({ kind: 'close', digestId: 'digest-1' });
  });

  it('collects a due notification with a digest', () => {
    expect(digestRoleOf(enrichedItem(), null, NOW)).toEqual({ kind: 'item', spec: COMMENTS });
    expect(digestRoleOf(enrichedItem({ scheduledFor: NOW, expiresAt: NOW + 1 }), null, NOW)).toEqual({ kind: 'item', spec: COMMENTS });
  });

  it('leaves to the filter a notification without a digest, an expired one and one scheduled for later', () => {
    expect(digestRoleOf(enrichedItem({ digest: null }), null, NOW)).toEqual({ kind: 'none' });
    expect(digestRoleOf(enrichedItem({ expiresAt: NOW }), null, NOW)).toEqual({ kind: 'none' });
    expect(digestRoleOf(enrichedItem({ scheduledFor: NOW + 1 }), null, NOW)).toEqual({ kind: 'none' });
  });
});

describe('closingItemCount', () => {
  it('is maxItems, and the ceiling for a window without one', () => {
    expect(closingItemCount({ ...COMMENTS, maxItems: 2 })).toBe(2);
    expect(closingItemCount({ ...COMMENTS, maxItems: null })).toBe(DIGEST_ITEMS_CEILING);
    expect(closingItemCount({ ...COMMENTS, maxItems: DIGEST_ITEMS_CEILING + 1 })).toBe(DIGEST_ITEMS_CEILING);
  });
});
