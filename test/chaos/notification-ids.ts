import { createHash } from 'node:crypto';

/** ingest's UUIDv5 namespace for notification ids (services/ingest/src/domain/notification-id.ts). */
export const NOTIFICATION_ID_NAMESPACE = '502b2186-ef7d-4bb4-8f67-16cc3544c536';

/** RFC 4122 version-5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id ingest gives the notification of one recipient of a request. Computed here rather than taken from
 * answers, so a request whose answer was lost (ingest killed mid-call) is still accounted for.
 */
export function expectedNotificationId(tenantId: string, idempotencyKey: string, userId: string): string {
  return uuidV5(JSON.stringify([tenantId, idempotencyKey, userId]), NOTIFICATION_ID_NAMESPACE);
}
