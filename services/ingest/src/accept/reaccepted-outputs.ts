import { Stages } from '@notify/core';
import { statusEvent, type Output } from '@notify/runtime';
import type { IngestSource } from '@notify/schemas';
import type { AcceptedResponse } from '../domain/idempotency.js';
import { fanOut } from '../domain/fan-out.js';
import { parseNotificationRequest } from '../domain/request-schema.js';
import { acceptedOutputs } from './accepted-outputs.js';

/**
 * The outputs a request produced when it was accepted, rebuilt from the request and its recorded
 * response: same notification ids, same acceptedAt, same ACCEPTED events. Used when the Kafka record
 * that accepted a request is delivered again because its transaction did not commit.
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
  const notifications = fanOut(request, { acceptedAt: accepted.acceptedAt, source });
  const events = notifications.map((n) =>
    statusEvent(n, Stages.ingest, 'ACCEPTED', n.acceptedAt, { attributes: { source } }),
  );
  return acceptedOutputs(notifications, events);
}
