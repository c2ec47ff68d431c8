import { Stages, statusEvent } from '@notify/core';
import type { NotificationEnriched, NotificationStatusEvent } from '@notify/schemas';

// Items spelled out in a digest's `data.digest`; the rest are only counted (`more`), so a large window
// cannot outgrow a Kafka record or a template.
export const DIGEST_LISTED_ITEMS = 10;

export type DigestCloseReason = 'window' | 'max_items';

export interface DigestedItem {
  notificationId: string;
  data: Record<string, string>;
}

/** A closed window: what its digest notification is made of. */
export interface ClosedDigest {
  digestId: string;
  key: string;
  /** In joining order; never empty (the first item opened the window). */
  items: readonly DigestedItem[];
}

/** What templates see as `digest` (parsed from `data.digest`). */
export interface DigestView {
  count: number;
  items: Array<Record<string, string>>;
  more: number;
}

/**
 * The one notification delivering a closed window, entering the filter again like a scheduled send. It
 * is the first item's notification (recipient, template content, channels, priority) under the digest's
 * id, with the first item's data plus `digestKey`, `digestCount` and `digest` (DigestView as JSON), and no
 * digest of its own so it is not collected again.
 */
export function digestNotification(first: NotificationEnriched, digest: ClosedDigest, now: number): NotificationEnriched {
  const count = digest.items.length;
  const view: DigestView = {
    count,
    items: digest.items.slice(0, DIGEST_LISTED_ITEMS).map((i) => ({ ...i.data, notificationId: i.notificationId })),
    more: Math.max(0, count - DIGEST_LISTED_ITEMS),
  };
  return {
    ...first,
    notification: {
      ...first.notification,
      notificationId: digest.digestId,
      data: { ...(digest.items[0]?.data ?? {}), digestKey: digest.key, digestCount: String(count), digest: JSON.stringify(view) },
      scheduledFor: null,
      expiresAt: null,
      acceptedAt: now,
      idempotencyKey: `digest:${digest.digestId}`,
      source: 'SCHEDULER',
      digest: null,
    },
  };
}

/** The digest's first timeline event: ACCEPTED, listing its items (`items`, comma-joined ids). */
export function digestAcceptedEvent(digestValue: NotificationEnriched, digest: ClosedDigest, reason: DigestCloseReason, now: number): NotificationStatusEvent {
  return statusEvent(digestValue.notification, Stages.preferenceFilter, 'ACCEPTED', now, {
    reason: `digest closed: ${reason}`,
    attributes: { digestKey: digest.key, itemCount: String(digest.items.length), items: digest.items.map((i) => i.notificationId).join(',') },
  });
}

/** An item's final event: collected into the digest `digestId`, delivered in its place. */
export function digestedEvent(item: NotificationEnriched, digestId: string, digestKey: string, now: number): NotificationStatusEvent {
  return statusEvent(item.notification, Stages.preferenceFilter, 'DIGESTED', now, { attributes: { digestId, digestKey } });
}
