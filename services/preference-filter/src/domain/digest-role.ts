import type { DigestSpec, NotificationEnriched } from '@notify/schemas';

/**
 * What a record is to the digest step:
 * - close: the scheduler's close marker of a window (its value is the window's first item, already digested);
 * - item: a notification to collect into its digest window;
 * - none: a notification for the filter's own decision. An expired one or one scheduled for later is
 *   decided there too (suppressed, deferred), and digested only once it is due.
 */
export type DigestRole = { kind: 'close'; digestId: string } | { kind: 'item'; spec: DigestSpec } | { kind: 'none' };

// A window without maxItems still closes at this many items: one window is one MongoDB document, and its
// digest's ACCEPTED event lists every item id. Ingest accepts maxItems up to the same number.
export const DIGEST_ITEMS_CEILING = 1_000;

/** The item count at which a window of `spec` closes early. */
export function closingItemCount(spec: DigestSpec): number {
  return Math.min(spec.maxItems ?? DIGEST_ITEMS_CEILING, DIGEST_ITEMS_CEILING);
}

export function digestRoleOf(enriched: NotificationEnriched, closeMarker: string | null, now: number): DigestRole {
  if (closeMarker) return { kind: 'close', digestId: closeMarker };
  const n = enriched.notification;
  if (n.digest === null) return { kind: 'none' };
  if (n.expiresAt !== null && n.expiresAt <= now) return { kind: 'none' };
  if (n.scheduledFor !== null && n.scheduledFor > now) return { kind: 'none' };
  return { kind: 'item', spec: n.digest };
}
