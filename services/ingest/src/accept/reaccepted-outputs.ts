import type { Output } from '@notify/runtime';
import type { IngestSource } from '@notify/schemas';
import { acceptance } from '../domain/acceptance.js';
import type { AcceptedResponse } from '../domain/idempotency.js';
import { parseNotificationRequest } from '../domain/request-schema.js';
import { acceptedOutputs } from './accepted-outputs.js';

/**
 * The outputs a request produced when it was accepted, rebuilt from the request and its recorded
 * response: same notification ids, same acceptedAt, same ACCEPTED events, same broadcast expansion. Used
 * when the Kafka record that accepted a request is delivered again because its transaction did not commit.
 */
export function reacceptedOutputs(
  body: unknown,
  accepted: AcceptedResponse,
  source: IngestSource,
  context: { tenantId?: string } = {},
): Output[] {
  const request = parseNotificationRequest(body, {
    // Validated again as of the first acceptance, so it passes again.
    now: accepted.acceptedAt,
    newIdempotencyKey: () => accepted.idempotencyKey,
    ...(context.tenantId === undefined ? {} : { tenantId: context.tenantId }),
  });
  const { notifications, statusEvents, expansion } = acceptance(request, accepted.acceptedAt, source);
  return acceptedOutputs(notifications, statusEvents, expansion);
}
