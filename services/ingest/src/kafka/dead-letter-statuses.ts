import { Stages } from '@notify/core';
import { deadLetteredStatus, Headers, type NotifyError, type Output } from '@notify/runtime';
import type { NotificationRequest } from '@notify/schemas';
import { MissingReferencesError } from '../domain/references.js';
import { notificationId } from '../domain/notification-id.js';
import { parseNotificationRequest } from '../domain/request-schema.js';

/**
 * Status events for a request record that is dead-lettered. Only a request that names a template or
 * recipients its tenant does not have gets them: one DEAD_LETTERED event per recipient, under the ids
 * the request would have had, so a producer can look its notifications up and see why they stopped.
 * Nothing is reported for an invalid request or an unknown tenant (no notification could be named),
 * nor for a reused idempotency key (its ids belong to the request that was accepted under it).
 */
export function deadLetterStatuses(
  value: NotificationRequest,
  failure: NotifyError,
  origin: string,
  now: number,
): Output[] {
  if (!(failure instanceof MissingReferencesError) || failure.missing.tenantId !== undefined) return [];
  let request;
  try {
    request = parseNotificationRequest(value, { now, newIdempotencyKey: () => origin });
  } catch {
    return [];
  }
  const headers = { [Headers.REQUESTED_AT]: String(request.requestedAt) };
  return request.recipients.map((userId) => ({
    ...deadLetteredStatus(
      {
        notificationId: notificationId(request.tenantId, request.idempotencyKey, userId),
        tenantId: request.tenantId,
        userId,
      },
      Stages.ingest,
      failure,
      now,
    ),
    headers,
  }));
}
