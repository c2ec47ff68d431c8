import type { BroadcastExpansion, IngestSource, Notification, NotificationStatusEvent } from '@notify/schemas';
import { ValidationError, type NotFoundError } from '@notify/core';
import { acceptance } from './acceptance.js';
import type { AcceptedResponse, IdempotencyClaims } from './idempotency.js';
import { missingReferences, MissingReferencesError, type ReferencePorts } from './references.js';
import { requestHash } from './request-hash.js';
import { parseNotificationRequest } from './request-schema.js';

/** What accepting a request needs from the outside. Store failures propagate as thrown errors. */
export interface AcceptPorts extends ReferencePorts {
  idempotency: Pick<IdempotencyClaims, 'claim'>;
  /** Epoch millis. */
  now?: () => number;
}

export interface AcceptCommand {
  /** REST body or decoded Kafka NotificationRequest. */
  body: unknown;
  source: IngestSource;
  /** The authenticated tenant (REST). */
  tenantId?: string;
  /** Idempotency key for a request without one, e.g. derived from its Kafka topic, partition and offset. */
  newIdempotencyKey?: () => string;
}

/** The idempotency key was already used for a different request. */
export class IdempotencyKeyReusedError extends ValidationError {
  constructor() {
    super([{ path: 'idempotencyKey', message: 'was already used for a different request' }]);
  }
}

export type AcceptOutcome =
  /** Publish `notifications`, `statusEvents` and `expansion`, then complete the key's claim `claimId` with `response`. */
  | {
      kind: 'accepted';
      notifications: Notification[];
      statusEvents: NotificationStatusEvent[];
      expansion: BroadcastExpansion | null;
      response: AcceptedResponse;
      claimId: string;
    }
  /** Already accepted earlier: answer with the first response, publish nothing. */
  | { kind: 'duplicate'; response: AcceptedResponse }
  /** The same request is being accepted elsewhere right now: retry later. */
  | { kind: 'in-flight'; tenantId: string; idempotencyKey: string }
  | { kind: 'rejected'; error: ValidationError | NotFoundError };

/**
 * Accepts one notification request: validates it, checks that the tenant, template and every recipient
 * exist, claims the idempotency key, and fans the request out into one notification per recipient. The
 * caller publishes the result and then completes the key.
 */
export async function acceptNotification(ports: AcceptPorts, command: AcceptCommand): Promise<AcceptOutcome> {
  const now = (ports.now ?? Date.now)();
  let request;
  try {
    request = parseNotificationRequest(command.body, {
      now,
      ...(command.tenantId === undefined ? {} : { tenantId: command.tenantId }),
      ...(command.newIdempotencyKey === undefined ? {} : { newIdempotencyKey: command.newIdempotencyKey }),
    });
  } catch (err) {
    if (err instanceof ValidationError) return { kind: 'rejected', error: err };
    throw err;
  }
  const { tenantId, idempotencyKey } = request;

  const [missing] = await missingReferences(ports, [request]);
  if (missing) return { kind: 'rejected', error: new MissingReferencesError(missing) };

  const claim = await ports.idempotency.claim(tenantId, idempotencyKey, requestHash(request));
  if (claim === 'in-flight') return { kind: 'in-flight', tenantId, idempotencyKey };
  if (claim === 'mismatch') return { kind: 'rejected', error: new IdempotencyKeyReusedError() };
  if ('existing' in claim) return { kind: 'duplicate', response: claim.existing };
  return { kind: 'accepted', ...acceptance(request, now, command.source), claimId: claim.claimed };
}
