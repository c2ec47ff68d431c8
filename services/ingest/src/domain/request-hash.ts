import { createHash } from 'node:crypto';
import type { NormalizedRequest } from './request-schema.js';

/**
 * Fingerprint of what a request asks for, to tell a genuine retry from another request reusing the
 * idempotency key. requestedAt is left out: a client retrying may stamp its retry anew.
 */
export function requestHash(request: NormalizedRequest): string {
  const canonical = JSON.stringify([
    request.tenantId,
    request.idempotencyKey,
    request.recipients,
    request.templateId,
    request.category,
    request.channels,
    request.priority,
    Object.entries(request.data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    request.scheduledFor,
    request.expiresAt,
    // Added only when used, so that keys recorded before these fields existed keep their fingerprints.
    ...(request.topics.length > 0 || request.digest ? [request.topics, request.digest] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
