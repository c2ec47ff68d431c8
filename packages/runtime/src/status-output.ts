import { Topics, type Channel, type NotificationStatus, type NotificationStatusEvent } from '@notify/schemas';
import type { NotifyError } from './errors.js';
import { output, type Output } from './processor.js';

/** Every stage reports to notify.status.v1, keyed by notification id. */
export function statusOutput(event: NotificationStatusEvent): Output<'notification-status'> {
  return output(Topics.status, event.notificationId, event);
}

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

/** The DEAD_LETTERED event a stage emits, in the dead-letter transaction, for a record it gave up on. */
export function deadLetteredStatus(subject: StatusSubject, stage: string, failure: NotifyError, now: number, channel?: Channel): Output<'notification-status'> {
  return statusOutput(
    statusEvent(subject, stage, 'DEAD_LETTERED', now, {
      ...(channel ? { channel } : {}),
      reason: `${failure.code}: ${failure.message}`.slice(0, 500),
      attributes: { errorCode: failure.code, retriable: String(failure.canRetry) },
    }),
  );
}
