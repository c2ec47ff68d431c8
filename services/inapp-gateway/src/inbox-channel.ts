/** Redis channel the in-app sender publishes one user's messages on (the sender's naming). */
export function inboxChannel(tenantId: string, userId: string): string {
  return `notify:inapp:${tenantId}:${userId}`;
}

/** Every user's channel: one pattern subscription per gateway replica. */
export const INBOX_CHANNEL_PATTERN = 'notify:inapp:*';
