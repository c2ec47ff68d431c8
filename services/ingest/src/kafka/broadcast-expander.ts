import { Stages } from '@notify/core';
import type { ProcessorDefinition } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import { acceptedOutputs, expansionOutput } from '../accept/accepted-outputs.js';
import { expandBroadcastPage, type SubscriberPages } from '../domain/expand-broadcast-page.js';

export interface BroadcastExpanderOptions {
  subscribers: SubscriberPages;
  /** Subscribers expanded per record, at least (whole buckets are read). */
  pageSize: number;
}

/**
 * notify.broadcasts.v1 → one page of a broadcast: its subscribers' notifications on notify.accepted.v1 and
 * their ACCEPTED events on notify.status.v1, plus the rest of the expansion back on notify.broadcasts.v1
 * while buckets remain, all in the record's transaction. A crash mid-page redoes the page with the same
 * notification ids; what the aborted transaction produced is never read (consumers read committed), so
 * nobody is notified twice and a 1,000,000-subscriber topic never sits in memory at once.
 */
export function broadcastExpander(
  options: BroadcastExpanderOptions,
): ProcessorDefinition<'broadcast-expansion'> {
  return {
    name: Stages.broadcastExpander,
    input: Topics.broadcasts,
    outputs: [Topics.accepted, Topics.status, Topics.broadcasts],
    bindings: (v) => ({
      tenantId: v.tenantId,
      idempotencyKey: v.idempotencyKey,
      nextBucket: String(v.nextBucket),
    }),
    handle: {
      record: async (expansion) => {
        const page = await expandBroadcastPage(options.subscribers, expansion, options.pageSize);
        return [
          ...acceptedOutputs(page.notifications, page.statusEvents),
          ...(page.continuation ? [expansionOutput(page.continuation)] : []),
        ];
      },
    },
  };
}
