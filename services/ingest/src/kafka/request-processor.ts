import { ErrorCodes, TransientError, type ProcessorDefinition } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import type { Intake } from '../accept/intake.js';
import { INGEST_STAGE } from '../domain/accept-notification.js';
import { deadLetterStatuses } from './dead-letter-statuses.js';
import { recordOrigin } from './record-origin.js';

/** The same idempotency key is being accepted elsewhere right now; retried through the retry tiers. */
export class IdempotencyKeyInFlightError extends TransientError {
  constructor(tenantId: string, idempotencyKey: string) {
    super(
      ErrorCodes.INTERNAL,
      `idempotency key ${idempotencyKey} of tenant ${tenantId} is being accepted by another request`,
      {
        details: { tenantId, idempotencyKey },
      },
    );
  }
}

/**
 * notify.requests.v1 → one notification per recipient on notify.accepted.v1 plus ACCEPTED events on
 * notify.status.v1, in the record's transaction. A duplicate produces nothing; a key in flight elsewhere
 * is retried (usually its owner completes it within the first tier's delay; an owner that died leaves
 * a claim that can be taken over once its lease passes, within the default tiers); an invalid request, or one naming what its tenant does not have, is dead-lettered.
 */
export function requestProcessor(
  intake: Pick<Intake, 'acceptRecord'>,
  concurrency = 1,
): ProcessorDefinition<'notification-request'> {
  const input = Topics.requests;
  return {
    name: INGEST_STAGE,
    input,
    outputs: [Topics.accepted, Topics.status],
    bindings: (v) => ({ tenantId: v.tenantId, idempotencyKey: v.idempotencyKey }),
    // Each request waits on store round trips of its own. Requests are independent but for their
    // idempotency key: one key's repeats are accepted one after the other (the second finds the first
    // done, not in flight). Outputs still go out in offset order.
    concurrency: {
      limit: concurrency,
      key: (v) => (v.idempotencyKey ? `${v.tenantId}\u0000${v.idempotencyKey}` : null),
    },
    handle: {
      record: async (value, ctx) => {
        const result = await intake.acceptRecord(value, recordOrigin(ctx, input.name));
        switch (result.kind) {
          case 'accepted':
          case 'duplicate':
            return result.outputs;
          case 'in-flight':
            throw new IdempotencyKeyInFlightError(result.tenantId, result.idempotencyKey);
          case 'rejected':
            throw result.error;
        }
      },
    },
    onDeadLetter: (value, failure, ctx) =>
      deadLetterStatuses(value, failure, recordOrigin(ctx, input.name), ctx.now()),
  };
}
