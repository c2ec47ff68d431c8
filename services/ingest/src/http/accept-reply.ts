import { httpStatusFor } from '@notify/http';
import { ErrorCodes, toFailure, ValidationError } from '@notify/runtime';
import { IdempotencyKeyReusedError, type AcceptOutcome } from '../domain/accept-notification.js';
import type { AcceptedResponse } from '../domain/idempotency.js';
import { MissingReferencesError } from '../domain/references.js';
import { TenantMismatchError } from '../domain/request-schema.js';

/** An HTTP answer: status, JSON body and headers. */
export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface AcceptedBody {
  status: 'ACCEPTED';
  /** One per recipient, in the order the request named them. */
  notificationIds: string[];
  idempotencyKey: string;
  /** ISO-8601. */
  acceptedAt: string;
  /**
   * The broadcast topics named, when any: their subscribers' notifications are not listed (their ids are
   * derived from tenant, idempotency key and user, as every notification id is).
   */
  topics?: string[];
}

export const ErrorBodyCodes = {
  IDEMPOTENCY_KEY_IN_FLIGHT: 'IDEMPOTENCY_KEY_IN_FLIGHT',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const;

/** A repeat of a completed request is told it is one; the body is the first answer's. */
const REPLAYED_HEADER = 'idempotent-replayed';
const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

export function acceptedBody(response: AcceptedResponse): AcceptedBody {
  return {
    status: 'ACCEPTED',
    notificationIds: response.notifications.map((n) => n.notificationId),
    idempotencyKey: response.idempotencyKey,
    acceptedAt: new Date(response.acceptedAt).toISOString(),
    ...(response.topics && response.topics.length > 0 ? { topics: [...response.topics] } : {}),
  };
}

const errorBody = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  error: { code, message, ...extra },
});

/**
 * The answer to an accept outcome. A repeat with the same key and body gets the first answer (202);
 * the same key while the first is in flight is 409 (retry shortly); the same key with another body is
 * 422 (the body is well formed, but the key is taken); invalid input is 400; another tenant 403; unknown
 * references 404.
 */
export function acceptReply(outcome: AcceptOutcome): Reply {
  switch (outcome.kind) {
    case 'accepted':
      return { status: 202, body: { ...acceptedBody(outcome.response) }, headers: {} };
    case 'duplicate':
      return {
        status: 202,
        body: { ...acceptedBody(outcome.response) },
        headers: { [REPLAYED_HEADER]: 'true' },
      };
    case 'in-flight':
      return {
        status: 409,
        body: errorBody(
          ErrorBodyCodes.IDEMPOTENCY_KEY_IN_FLIGHT,
          `a request with idempotency key ${outcome.idempotencyKey} is being accepted; retry shortly`,
        ),
        headers: { 'retry-after': String(IN_FLIGHT_RETRY_AFTER_SECONDS) },
      };
    case 'rejected':
      return rejectionReply(outcome.error);
  }
}

function rejectionReply(error: Extract<AcceptOutcome, { kind: 'rejected' }>['error']): Reply {
  if (error instanceof IdempotencyKeyReusedError) {
    return {
      status: 422,
      body: errorBody(
        ErrorBodyCodes.IDEMPOTENCY_KEY_REUSED,
        'this idempotency key was already used for a different request',
        { fields: error.issues },
      ),
      headers: {},
    };
  }
  if (error instanceof TenantMismatchError) return tenantMismatchReply(error);
  if (error instanceof ValidationError) {
    return { status: 400, body: errorBody(error.code, error.message, { fields: error.issues }), headers: {} };
  }
  if (error instanceof MissingReferencesError) {
    return {
      status: 404,
      body: errorBody(error.code, error.message, { missing: error.missing }),
      headers: {},
    };
  }
  return { status: 404, body: errorBody(error.code, error.message), headers: {} };
}

/** A body naming another tenant than the API key's: the caller may not act for it (403), fields named. */
function tenantMismatchReply(error: TenantMismatchError): Reply {
  return { status: 403, body: errorBody('FORBIDDEN', 'the request names a tenant other than the API key\'s', { fields: error.issues }), headers: {} };
}

/** The answer to an error thrown while accepting one item of a batch, in the shape of the error handler's. */
export function failureReply(err: unknown): Reply {
  const failure = toFailure(err);
  if (failure instanceof TenantMismatchError) return tenantMismatchReply(failure);
  const status = httpStatusFor(failure.code);
  if (status === 500) return { status, body: errorBody(ErrorCodes.INTERNAL, 'internal error'), headers: {} };
  const fields = failure instanceof ValidationError ? { fields: failure.issues } : {};
  return { status, body: errorBody(failure.code, failure.message, fields), headers: {} };
}
