import { Stages } from '@notify/core';
import { ErrorCodes, TransientError, recordOrigin, type Output, type ProcessorDefinition } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import type { Intake, RecordAcceptance } from '../accept/intake.js';
import type { Settled } from '../domain/accept-records.js';
import { deadLetterStatuses } from './dead-letter-statuses.js';

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

function handlerResult(result: Settled<RecordAcceptance>): Output[] | Error {
  if (result instanceof Error) return result;
  switch (result.kind) {
    case 'accepted':
    case 'duplicate':
      return result.outputs;
    case 'in-flight':
      return new IdempotencyKeyInFlightError(result.tenantId, result.idempotencyKey);
    case 'rejected':
      return result.error;
  }
}

/**
 * notify.requests.v1 → one notification per recipient on notify.accepted.v1 plus ACCEPTED events on
 * notify.status.v1, and the expansion of the topics named on notify.broadcasts.v1, in the record's transaction. A slice is accepted as a whole, with one call per store.
 * A duplicate produces nothing; a key in flight in a REST request is retried (usually that request
 * completes it within the first tier's delay; one whose owner died can be taken over once its lease
 * passes, within the default tiers); an invalid request, or one naming what its tenant does not have, is
 * dead-lettered.
 */
export function requestProcessor(
  intake: Pick<Intake, 'acceptRecords'>,
): ProcessorDefinition<'notification-request'> {
  const input = Topics.requests;
  return {
    name: Stages.ingest,
    input,
    outputs: [Topics.accepted, Topics.status, Topics.broadcasts],
    bindings: (v) => ({ tenantId: v.tenantId, idempotencyKey: v.idempotencyKey }),
    handle: {
      batch: async (records) => {
        const results = await intake.acceptRecords(
          records.map(({ value, context }) => ({ body: value, origin: recordOrigin(context, input.name) })),
        );
        return results.map(handlerResult);
      },
    },
    onDeadLetter: (value, failure, ctx) =>
      deadLetterStatuses(value, failure, recordOrigin(ctx, input.name), ctx.now()),
  };
}
