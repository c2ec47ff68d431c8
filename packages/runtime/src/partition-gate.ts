import type { KafkaMessage } from 'kafkajs';
import { ErrorCodes, type NotifyError } from './errors.js';
import { Headers, readHeaders } from './headers.js';

export interface PartitionGateOptions {
  /** Slices failing for an unavailable dependency this long, none committed meanwhile: restart. */
  outageRestartMs: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  clock?: () => number;
}

const BACKOFF_INITIAL_MS = 500;
const BACKOFF_MAX_MS = 30_000; // 30 s

/** What to do after a slice failed: pause the partition this long, or restart the service. */
export type SliceFailureVerdict = { kind: 'back-off'; delayMs: number } | { kind: 'restart'; outageMs: number };

/**
 * Records of a retry tier are processed when due: the due prefix of a batch, and the instant the first
 * record that is not due becomes due (the partition pauses until then). A record without a due time is due.
 */
export function splitDue(messages: readonly KafkaMessage[], now: number): { ready: KafkaMessage[]; pauseUntil?: number } {
  const dueAt = (m: KafkaMessage) => Number(readHeaders(m.headers)[Headers.RETRY_DUE_AT] ?? 0);
  const notDue = messages.findIndex((m) => dueAt(m) > now);
  if (notDue < 0) return { ready: [...messages] };
  return { ready: messages.slice(0, notDue), pauseUntil: dueAt(messages[notDue]!) };
}

/**
 * When a partition may go on: exponential backoff per partition after a failed slice, reset by the next
 * committed one; and the outage rule: a dependency unavailable to this process, with no slice committed,
 * for longer than `outageRestartMs` restarts the service, because a client that does not find its way back
 * to a restarted server recovers only in a fresh process. Nothing is lost: failed slices were not committed.
 */
export class PartitionGate {
  private readonly backoff = new Map<string, number>();
  private outageSince: number | undefined;
  private readonly clock: () => number;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(private readonly opts: PartitionGateOptions) {
    this.clock = opts.clock ?? Date.now;
    this.initialMs = opts.backoffInitialMs ?? BACKOFF_INITIAL_MS;
    this.maxMs = opts.backoffMaxMs ?? BACKOFF_MAX_MS;
  }

  /** A slice of the partition committed. */
  committed(partition: string): void {
    this.backoff.delete(partition);
    this.outageSince = undefined;
  }

  /** A slice of the partition failed with nothing committed. */
  failed(partition: string, failure: NotifyError): SliceFailureVerdict {
    if (failure.code === ErrorCodes.DEPENDENCY_UNAVAILABLE) {
      const now = this.clock();
      this.outageSince ??= now;
      if (now - this.outageSince >= this.opts.outageRestartMs) return { kind: 'restart', outageMs: now - this.outageSince };
    }
    const delayMs = Math.min((this.backoff.get(partition) ?? this.initialMs / 2) * 2, this.maxMs);
    this.backoff.set(partition, delayMs);
    return { kind: 'back-off', delayMs };
  }
}
