import { statusEvent, type NotifyError, type StatusSubject } from '@notify/core';
import { Topics, type Channel, type NotificationStatusEvent } from '@notify/schemas';
import { output, type Output } from './processor.js';

/** Every stage reports to notify.status.v1, keyed by notification id. */
export function statusOutput(event: NotificationStatusEvent): Output<'notification-status'> {
  return output(Topics.status, Topics.status.keyOf(event), event);
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
