import type { IngestSource, Notification } from '@notify/schemas';
import { recipientNotification, type NotificationTemplate } from './recipient-notification.js';
import type { NormalizedRequest } from './request-schema.js';

export interface FanOutContext {
  /** When ingest accepted the request, epoch millis. */
  acceptedAt: number;
  source: IngestSource;
}

/** What the notifications of a request share. */
export function notificationTemplate(
  request: NormalizedRequest,
  context: FanOutContext,
): NotificationTemplate {
  return {
    tenantId: request.tenantId,
    templateId: request.templateId,
    category: request.category,
    channels: request.channels,
    priority: request.priority,
    data: request.data,
    scheduledFor: request.scheduledFor,
    expiresAt: request.expiresAt,
    requestedAt: request.requestedAt,
    acceptedAt: context.acceptedAt,
    idempotencyKey: request.idempotencyKey,
    source: context.source,
    digest: request.digest,
  };
}

/** One notification per recipient the request names, in request order, with deterministic ids. */
export function fanOut(request: NormalizedRequest, context: FanOutContext): Notification[] {
  const template = notificationTemplate(request, context);
  return request.recipients.map((userId) => recipientNotification(template, userId));
}
