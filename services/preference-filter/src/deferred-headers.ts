import { Headers } from '@notify/runtime';

/** Headers worth keeping with a deferred record: the trace and the request time (for end-to-end latency). */
export function deferredHeaders(headers: Record<string, string>): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const name of [Headers.TRACEPARENT, Headers.REQUESTED_AT]) if (headers[name]) keep[name] = headers[name];
  return keep;
}
