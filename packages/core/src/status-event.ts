import type { Channel, NotificationStatus, NotificationStatusEvent } from '@notify/schemas';

/** The notification a status event is about. */
export interface StatusSubject {
  notificationId: string;
  tenantId: string;
  userId: string;
}

/** What an event may add about the delivery; whatever is left out, or null, is null on the event. */
export interface StatusDetails {
  channel?: Channel | null;
  provider?: string | null;
  reason?: string | null;
  providerMessageId?: string | null;
  attributes?: Record<string, string>;
}

export function statusEvent(
  subject: StatusSubject,
  stage: string,
  status: NotificationStatus,
  occurredAt: number,
  details: StatusDetails = {},
): NotificationStatusEvent {
  return {
    notificationId: subject.notificationId,
    tenantId: subject.tenantId,
    userId: subject.userId,
    status,
    stage,
    channel: details.channel ?? null,
    provider: details.provider ?? null,
    reason: details.reason ?? null,
    providerMessageId: details.providerMessageId ?? null,
    occurredAt,
    attributes: details.attributes ?? {},
  };
}
