import type { IngestSource, Notification } from '@notify/schemas';
import { notificationId } from './notification-id.js';
import type { NormalizedRequest } from './request-schema.js';

export interface FanOutContext {
  /** When ingest accepted the request, epoch millis. */
  acceptedAt: number;
  source: IngestSource;
}

/** One notification per recipient, in request order, with deterministic ids. */
export function fanOut(request: NormalizedRequest, context: FanOutContext): Notification[] {
  return request.recipients.map((userId) => ({
    notificationId: notificationId(request.tenantId, request.idempotencyKey, userId),
    tenantId: request.tenantId,
    userId,
    templateId: request.templateId,
    category: request.category,
    channels: [...request.channels],
    priority: request.priority,
    data: { ...request.data },
    scheduledFor: request.scheduledFor,
    expiresAt: request.expiresAt,
    requestedAt: request.requestedAt,
    acceptedAt: context.acceptedAt,
    idempotencyKey: request.idempotencyKey,
    source: context.source,
  }));
}
