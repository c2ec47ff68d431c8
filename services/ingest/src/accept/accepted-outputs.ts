import { Headers, output, statusOutput, type Output } from '@notify/runtime';
import {
  Topics,
  type BroadcastExpansion,
  type Notification,
  type NotificationAccepted,
  type NotificationStatusEvent,
} from '@notify/schemas';

function requestedAtHeader(requestedAt: number) {
  return { [Headers.REQUESTED_AT]: String(requestedAt) };
}

function acceptedOutput(value: NotificationAccepted): Output {
  return output(Topics.accepted, Topics.accepted.keyOf(value), value, requestedAtHeader(value.notification.requestedAt));
}

/** A broadcast's expansion (its start or its rest) on notify.broadcasts.v1. */
export function expansionOutput(expansion: BroadcastExpansion): Output {
  return output(Topics.broadcasts, Topics.broadcasts.keyOf(expansion), expansion, requestedAtHeader(expansion.requestedAt));
}

/**
 * The records an accepted request (or a page of its broadcast) produces: each notification on
 * notify.accepted.v1, each ACCEPTED event on notify.status.v1 and the expansion of the topics it names, if
 * any, on notify.broadcasts.v1. Every record carries the request time, where end-to-end latency starts.
 */
export function acceptedOutputs(
  notifications: readonly Notification[],
  statusEvents: readonly NotificationStatusEvent[],
  expansion: BroadcastExpansion | null = null,
): Output[] {
  const requestedAt = new Map(notifications.map((n) => [n.notificationId, n.requestedAt]));
  return [
    ...notifications.map((n) => acceptedOutput({ notification: n })),
    ...statusEvents.map((event) => ({
      ...statusOutput(event),
      headers: requestedAtHeader(requestedAt.get(event.notificationId) ?? event.occurredAt),
    })),
    ...(expansion ? [expansionOutput(expansion)] : []),
  ];
}
