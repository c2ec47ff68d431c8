/** Kafka header names the runtime reads and writes. Values are UTF-8 strings. */
export const Headers = {
  /** W3C trace context, carried from the first hop to the provider call. */
  TRACEPARENT: 'traceparent',
  /** Epoch millis of the upstream request; end-to-end latency is measured from it. */
  REQUESTED_AT: 'x-notify-requested-at',
  /** Set on retry-tier and DLQ records. */
  ERROR_CODE: 'x-notify-error-code',
  ERROR_MESSAGE: 'x-notify-error-message',
  /** The error's class name, e.g. ProviderError. */
  ERROR_CLASS: 'x-notify-error-class',
  ERROR_RETRIABLE: 'x-notify-error-retriable',
  SOURCE_TOPIC: 'x-notify-source-topic',
  SOURCE_PARTITION: 'x-notify-source-partition',
  SOURCE_OFFSET: 'x-notify-source-offset',
  SERVICE: 'x-notify-service',
  /** How many times processing was attempted (1 on the first failure). */
  ATTEMPT: 'x-notify-attempt',
  FIRST_FAILED_AT: 'x-notify-first-failed-at',
  /** Epoch millis before which a retry-tier record must not be processed. */
  RETRY_DUE_AT: 'x-notify-retry-due-at',
  DEAD_LETTERED_AT: 'x-notify-dead-lettered-at',
  /** Set by the DLQ replay tool: how many times this record was replayed. */
  REPLAY_COUNT: 'x-notify-replay-count',
  REPLAYED_AT: 'x-notify-replayed-at',
  /**
   * On a record the scheduler re-emits to close a digest window: the digest id. The record's value is the
   * window's first item; the preference filter closes the window instead of taking it as a notification.
   */
  DIGEST_CLOSE: 'x-notify-digest-close',
} as const;

export type HeaderMap = Record<string, string>;

/** kafkajs headers (Buffer | string | arrays) to a plain string map; the last value wins. */
export function readHeaders(raw: Record<string, unknown> | undefined): HeaderMap {
  const out: HeaderMap = {};
  if (!raw) return out;
  for (const [k, v] of Object.entries(raw)) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last === undefined || last === null) continue;
    out[k] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out;
}
