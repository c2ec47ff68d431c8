import type {
  BroadcastExpansion,
  IngestSource,
  Notification,
  NotificationStatusEvent,
} from '@notify/schemas';
import { broadcastExpansion } from './broadcast-expansion.js';
import { fanOut } from './fan-out.js';
import type { AcceptedResponse } from './idempotency.js';
import { acceptedEvent } from './recipient-notification.js';
import type { NormalizedRequest } from './request-schema.js';

/** An accepted request: what to publish, and the response to record for its key. */
export interface Acceptance {
  notifications: Notification[];
  statusEvents: NotificationStatusEvent[];
  /** The expansion of the topics the request names, published with the notifications; null for none. */
  expansion: BroadcastExpansion | null;
  response: AcceptedResponse;
}

/**
 * One notification and one ACCEPTED event per recipient named, the expansion of the topics named (their
 * subscribers are notified later, page by page), and the response naming them.
 */
export function acceptance(request: NormalizedRequest, acceptedAt: number, source: IngestSource): Acceptance {
  const notifications = fanOut(request, { acceptedAt, source });
  return {
    notifications,
    statusEvents: notifications.map(acceptedEvent),
    expansion: broadcastExpansion(request, { acceptedAt, source }),
    response: {
      idempotencyKey: request.idempotencyKey,
      acceptedAt,
      notifications: notifications.map((n) => ({ userId: n.userId, notificationId: n.notificationId })),
      ...(request.topics.length > 0 ? { topics: [...request.topics] } : {}),
    },
  };
}
