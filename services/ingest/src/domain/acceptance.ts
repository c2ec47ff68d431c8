import { Stages, statusEvent } from '@notify/core';
import type { IngestSource, Notification, NotificationStatusEvent } from '@notify/schemas';
import { fanOut } from './fan-out.js';
import type { AcceptedResponse } from './idempotency.js';
import type { NormalizedRequest } from './request-schema.js';

/** An accepted request: what to publish, and the response to record for its key. */
export interface Acceptance {
  notifications: Notification[];
  statusEvents: NotificationStatusEvent[];
  response: AcceptedResponse;
}

function acceptedEvent(notification: Notification): NotificationStatusEvent {
  return statusEvent(notification, Stages.ingest, 'ACCEPTED', notification.acceptedAt, { attributes: { source: notification.source } });
}

/** One notification and one ACCEPTED event per recipient, and the response naming them. */
export function acceptance(request: NormalizedRequest, acceptedAt: number, source: IngestSource): Acceptance {
  const notifications = fanOut(request, { acceptedAt, source });
  return {
    notifications,
    statusEvents: notifications.map(acceptedEvent),
    response: {
      idempotencyKey: request.idempotencyKey,
      acceptedAt,
      notifications: notifications.map((n) => ({ userId: n.userId, notificationId: n.notificationId })),
    },
  };
}
