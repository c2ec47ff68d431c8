/** Redis pub/sub channel of one user's inbox: the in-app sender publishes new messages on it, the gateway read receipts. */
export function inboxChannel(tenantId: string, userId: string): string {
  return `notify:inapp:${tenantId}:${userId}`;
}

/** Every user's inbox channel: one pattern subscription per gateway replica. */
export const INBOX_CHANNEL_PATTERN = 'notify:inapp:*';
