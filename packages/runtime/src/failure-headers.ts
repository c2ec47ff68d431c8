import type { NotifyError } from './errors.js';
import { Headers, type HeaderMap } from './headers.js';

export interface FailureOrigin {
  topic: string;
  partition: number;
  offset: string;
  service: string;
}

/**
 * Headers for a record leaving for a retry tier or the DLQ. The source of the FIRST failure is kept across
 * tiers, so a dead letter always points at where the record originally came from.
 */
export function failureHeaders(
  original: HeaderMap,
  error: NotifyError,
  origin: FailureOrigin,
  attempt: number,
  now: number,
): HeaderMap {
  const firstTime = original[Headers.ATTEMPT] === undefined;
  return {
    ...original,
    [Headers.ERROR_CODE]: error.code,
    [Headers.ERROR_CLASS]: error.name,
    [Headers.ERROR_MESSAGE]: error.message.slice(0, 2000),
    [Headers.ERROR_RETRIABLE]: String(error.canRetry),
    [Headers.SOURCE_TOPIC]: firstTime ? origin.topic : (original[Headers.SOURCE_TOPIC] ?? origin.topic),
    [Headers.SOURCE_PARTITION]: firstTime ? String(origin.partition) : (original[Headers.SOURCE_PARTITION] ?? String(origin.partition)),
    [Headers.SOURCE_OFFSET]: firstTime ? origin.offset : (original[Headers.SOURCE_OFFSET] ?? origin.offset),
    [Headers.SERVICE]: origin.service,
    [Headers.ATTEMPT]: String(attempt),
    [Headers.FIRST_FAILED_AT]: original[Headers.FIRST_FAILED_AT] ?? String(now),
  };
}
