import type { BroadcastExpansion } from '@notify/schemas';
import { notificationTemplate, type FanOutContext } from './fan-out.js';
import type { NormalizedRequest } from './request-schema.js';

/**
 * The expansion a request naming topics starts, from the first bucket: what every subscriber's
 * notification is built from, and the request's own recipients, who are notified at acceptance already.
 * Null for a request without topics.
 */
export function broadcastExpansion(
  request: NormalizedRequest,
  context: FanOutContext,
): BroadcastExpansion | null {
  if (request.topics.length === 0) return null;
  return {
    ...notificationTemplate(request, context),
    topics: [...request.topics],
    directRecipients: [...request.recipients],
    nextBucket: 0,
  };
}
