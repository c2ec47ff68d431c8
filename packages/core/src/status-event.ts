import type { Channel, NotificationStatus, NotificationStatusEvent } from '@notify/schemas';

/** The notification a status event is about. */
export interface StatusSubject {
  notificationId: string;
  tenantId: string;
  userId: string;
}

export function statusEvent(
  subject: StatusSubject,
  stage: string,
  status: NotificationStatus,
  occurredAt: number,
  details: { channel?: Channel; provider?: string; reason?: string; providerMessageId?: string; attributes?: Record<string, string> } = {},
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
