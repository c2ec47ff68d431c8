import type { NotificationStatus } from '@notify/schemas';

/**
 * What a recipient did with a message that reached them. Recorded in the timeline, but never a
 * notification's outcome: a message SENT (or DELIVERED) and then OPENED is still SENT (or DELIVERED).
 */
export const ENGAGEMENT_STATUSES = ['OPENED', 'CLICKED', 'COMPLAINED', 'UNSUBSCRIBED'] as const satisfies readonly NotificationStatus[];
export type EngagementStatus = (typeof ENGAGEMENT_STATUSES)[number];

const engagement: ReadonlySet<string> = new Set(ENGAGEMENT_STATUSES);

export function isEngagementStatus(status: string): status is EngagementStatus {
  return engagement.has(status);
}

/** Statuses that say what became of a notification (every status but engagement). */
export function isOutcomeStatus(status: string): boolean {
  return !engagement.has(status);
}
