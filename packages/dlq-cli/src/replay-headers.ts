import { Headers, readHeaders } from '@notify/runtime';
import type { IHeaders } from 'kafkajs';

/** Headers the runtime adds when a record fails; a replayed record starts its life afresh without them. */
export const FAILURE_HEADERS: ReadonlySet<string> = new Set([
  Headers.ERROR_CODE,
  Headers.ERROR_MESSAGE,
  Headers.ERROR_CLASS,
  Headers.ERROR_RETRIABLE,
  Headers.SOURCE_TOPIC,
  Headers.SOURCE_PARTITION,
  Headers.SOURCE_OFFSET,
  Headers.SERVICE,
  Headers.ATTEMPT,
  Headers.FIRST_FAILED_AT,
  Headers.RETRY_DUE_AT,
  Headers.DEAD_LETTERED_AT,
]);

const ERROR_PREFIX = Headers.ERROR_CODE.slice(0, Headers.ERROR_CODE.lastIndexOf('-') + 1); // x-notify-error-
const SOURCE_PREFIX = Headers.SOURCE_TOPIC.slice(0, Headers.SOURCE_TOPIC.lastIndexOf('-') + 1); // x-notify-source-

export function isFailureHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return FAILURE_HEADERS.has(lower) || lower.startsWith(ERROR_PREFIX) || lower.startsWith(SOURCE_PREFIX);
}

/**
 * The headers a dead letter is republished with: the original ones, byte for byte, minus the failure headers,
 * plus the replay count (previous + 1) and the replay time (epoch millis).
 */
export function replayHeaders(raw: IHeaders, now: number): IHeaders {
  const previous = Number(readHeaders(raw as Record<string, unknown>)[Headers.REPLAY_COUNT] ?? 0);
  const out: IHeaders = {};
  for (const [name, value] of Object.entries(raw)) {
    if (
      value === undefined ||
      isFailureHeader(name) ||
      name === Headers.REPLAY_COUNT ||
      name === Headers.REPLAYED_AT
    )
      continue;
    out[name] = value;
  }
  out[Headers.REPLAY_COUNT] = String((Number.isInteger(previous) && previous > 0 ? previous : 0) + 1);
  out[Headers.REPLAYED_AT] = String(now);
  return out;
}
