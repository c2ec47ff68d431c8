import { Headers, output, statusOutput, type Output } from '@notify/runtime';
import { Topics, type Notification, type NotificationStatusEvent } from '@notify/schemas';

/** Pipeline topics are keyed by recipient, so one recipient's notifications stay in order. */
export function recipientKey(subject: { tenantId: string; userId: string }): string {
  return `${subject.tenantId}:${subject.userId}`;
}

function requestedAtHeader(requestedAt: number) {
  return { [Headers.REQUESTED_AT]: String(requestedAt) };
}

/**
 * The records an accepted request produces: each notification on notify.accepted.v1 and each ACCEPTED
 * event on notify.status.v1. Every record carries the request time, where end-to-end latency starts.
 */
export function acceptedOutputs(
  notifications: readonly Notification[],
  statusEvents: readonly NotificationStatusEvent[],
): Output[] {
  const requestedAt = new Map(notifications.map((n) => [n.notificationId, n.requestedAt]));
  return [
    ...notifications.map((n) =>
      output(Topics.accepted, recipientKey(n), { notification: n }, requestedAtHeader(n.requestedAt)),
    ),
    ...statusEvents.map((event) => ({
      ...statusOutput(event),
      headers: requestedAtHeader(requestedAt.get(event.notificationId) ?? event.occurredAt),
    })),
  ];
}
