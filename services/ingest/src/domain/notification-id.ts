import { v5 as uuidv5 } from 'uuid';

/** UUIDv5 namespace of notification ids. Changing it changes every id: never do. */
export const NOTIFICATION_ID_NAMESPACE = '502b2186-ef7d-4bb4-8f67-16cc3544c536';

/**
 * The id of one recipient's notification: the same request retried (same tenant, idempotency key and
 * recipient) gets the same id, so downstream deduplication holds across retries and replays.
 */
export function notificationId(tenantId: string, idempotencyKey: string, userId: string): string {
  // JSON keeps the parts apart: ('a:b', 'c') and ('a', 'b:c') must not collide.
  return uuidv5(JSON.stringify([tenantId, idempotencyKey, userId]), NOTIFICATION_ID_NAMESPACE);
}
