import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const m = value ? TRACEPARENT.exec(value) : null;
  return m ? { traceId: m[1]!, spanId: m[2]!, flags: m[3]! } : undefined;
}

/** The traceparent for this hop: same trace, new span id; a new trace when there is none. */
export function childTraceparent(parent: string | undefined): string {
  const ctx = parseTraceparent(parent);
  const traceId = ctx?.traceId ?? randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${ctx?.flags ?? '01'}`;
}
