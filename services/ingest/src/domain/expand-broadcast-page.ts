import type { BroadcastExpansion, Notification, NotificationStatusEvent } from '@notify/schemas';
import { acceptedEvent, recipientNotification } from './recipient-notification.js';

export interface SubscriberPageRead {
  tenantId: string;
  topicIds: readonly string[];
  fromBucket: number;
  /** Read whole buckets until at least this many subscribers are found, or none are left. */
  wanted: number;
  /** Users to leave out of the page. */
  exclude: ReadonlySet<string>;
}

/** Where a broadcast's subscribers come from (TopicSubscriptionRepository in @notify/stores). */
export interface SubscriberPages {
  /**
   * The subscribers of the buckets from `fromBucket` on, each user once across the topics, minus those
   * excluded, and the first bucket not read (null when none is left).
   */
  expansionPage(read: SubscriberPageRead): Promise<{ userIds: string[]; nextBucket: number | null }>;
}

export interface ExpandedPage {
  notifications: Notification[];
  statusEvents: NotificationStatusEvent[];
  /** The rest of the expansion, from the next bucket; null when this page was the last. */
  continuation: BroadcastExpansion | null;
}

/**
 * One page of a broadcast: the notifications (and ACCEPTED events) of the next subscribers, built as the
 * request's own recipients' are, with the same deterministic ids, and what is left to expand. The same
 * page expanded again (its transaction aborted) gives the same ids, so nothing is notified twice.
 */
export async function expandBroadcastPage(
  subscribers: SubscriberPages,
  expansion: BroadcastExpansion,
  pageSize: number,
): Promise<ExpandedPage> {
  const page = await subscribers.expansionPage({
    tenantId: expansion.tenantId,
    topicIds: expansion.topics,
    fromBucket: expansion.nextBucket,
    wanted: pageSize,
    exclude: new Set(expansion.directRecipients),
  });
  const notifications = page.userIds.map((userId) => recipientNotification(expansion, userId));
  return {
    notifications,
    statusEvents: notifications.map(acceptedEvent),
    continuation: page.nextBucket === null ? null : { ...expansion, nextBucket: page.nextBucket },
  };
}
