import { toFailure, type ProcessorDefinition } from '@notify/runtime';
import { Topics, type NotificationStatusEvent } from '@notify/schemas';
import { STAGE } from './domain/resolve-outcomes.js';
import { mapWithConcurrency } from './map-with-concurrency.js';

export interface TimelineStore {
  /** Idempotent; true when the event was new. */
  appendStatus(event: NotificationStatusEvent): Promise<boolean>;
}

/**
 * notify.status.v1 → each event into its notification's timeline. The writes of a fetched batch go out
 * together (bounded concurrency). At-least-once: nothing is produced, and a replayed event is refused by
 * the timeline's own key, so a transaction would buy nothing.
 */
export function timelineProcessor(
  store: TimelineStore,
  options: { concurrency: number; onRecorded?: (event: NotificationStatusEvent) => void },
): ProcessorDefinition<'notification-status'> {
  return {
    name: STAGE,
    input: Topics.status,
    outputs: [],
    delivery: 'at-least-once',
    bindings: (v) => ({ notificationId: v.notificationId, tenantId: v.tenantId }),
    handle: {
      batch: (records) =>
        mapWithConcurrency(records, options.concurrency, async ({ value }) => {
          try {
            if (await store.appendStatus(value)) options.onRecorded?.(value);
            return [];
          } catch (err) {
            return toFailure(err);
          }
        }),
    },
  };
}
