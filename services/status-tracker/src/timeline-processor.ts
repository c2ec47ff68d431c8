import { Stages } from '@notify/core';
import { toFailure, type ProcessorDefinition } from '@notify/runtime';
import { Topics, type NotificationStatusEvent } from '@notify/schemas';

export interface TimelineStore {
  /** Idempotent; per event, true when it was new. */
  appendStatuses(events: readonly NotificationStatusEvent[]): Promise<boolean[]>;
}

/**
 * notify.status.v1 → each event into its notification's timeline, a fetched batch in one write. At
 * least once: nothing is produced, and a replayed event is refused by the timeline's own key, so a
 * transaction would buy nothing. A failed write fails the batch's records for a retry, which is
 * harmless for the ones already recorded.
 */
export function timelineProcessor(
  store: TimelineStore,
  options: { onRecorded?: (event: NotificationStatusEvent) => void } = {},
): ProcessorDefinition<'notification-status'> {
  return {
    name: Stages.statusTracker,
    input: Topics.status,
    outputs: [],
    delivery: 'at-least-once',
    bindings: (v) => ({ notificationId: v.notificationId, tenantId: v.tenantId }),
    handle: {
      batch: async (records) => {
        const events = records.map((r) => r.value);
        try {
          const appended = await store.appendStatuses(events);
          events.forEach((e, i) => appended[i] && options.onRecorded?.(e));
          return events.map(() => []);
        } catch (err) {
          const failure = toFailure(err);
          return events.map(() => failure);
        }
      },
    },
  };
}
