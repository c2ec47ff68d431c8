import { Headers, type AvroSerde } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import type { Producer } from 'kafkajs';
import type { AcceptanceTracker, PhaseTally } from './acceptance-tracker.js';
import { kafkaRequest, restRequest, type BenchTenant } from './bench-tenant.js';

/** How requests of one phase went on the way in (before the pipeline). */
export interface IntakeTally {
  /** Notifications the entry point accepted (REST 202 items; Kafka records acknowledged by the broker). */
  accepted: number;
  /** Notifications refused or lost on the way in (non-202 items, failed calls or sends). */
  failed: number;
  /** Time each call took (REST: the batch call; Kafka: the produce), ms. */
  callMs: number[];
  /** First few failure descriptions. */
  errors: string[];
}

export function newIntakeTally(): IntakeTally {
  return { accepted: 0, failed: 0, callMs: [], errors: [] };
}

/** Sends `count` notifications in one call, each announced to the tracker first. */
export interface LoadTarget {
  readonly path: 'rest' | 'kafka';
  send(phase: PhaseTally, intake: IntakeTally, count: number): Promise<void>;
}

const MAX_ERRORS_KEPT = 5;
const REST_TIMEOUT_MS = 60_000; // 1 min

function noteError(intake: IntakeTally, message: string): void {
  if (intake.errors.length < MAX_ERRORS_KEPT) intake.errors.push(message);
}

/** Unique refs for this run: the idempotency key of each request and what its subject carries. */
export class RefSequence {
  private next = 0;
  constructor(private readonly tag: string) {}
  take(): { ref: string; index: number } {
    const index = this.next++;
    return { ref: `${this.tag}.${index}`, index };
  }
}

/** POST /v1/notifications/batch; the request time of every item is when the call was made. */
export class RestTarget implements LoadTarget {
  readonly path = 'rest' as const;

  constructor(
    private readonly ingestUrl: string,
    private readonly tenant: BenchTenant,
    private readonly tracker: AcceptanceTracker,
    private readonly refs: RefSequence,
  ) {}

  async send(phase: PhaseTally, intake: IntakeTally, count: number): Promise<void> {
    const items = Array.from({ length: count }, () => this.refs.take());
    const body = JSON.stringify({
      requests: items.map(({ ref, index }) => restRequest(this.tenant, ref, index)),
    });
    const sentAt = Date.now();
    for (const { ref } of items) this.tracker.expect(phase, ref, sentAt);
    try {
      const res = await fetch(`${this.ingestUrl}/v1/notifications/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.tenant.apiKey}` },
        body,
        signal: AbortSignal.timeout(REST_TIMEOUT_MS),
      });
      const text = await res.text();
      intake.callMs.push(Date.now() - sentAt);
      if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${text.slice(0, 200)}`);
      const { results } = JSON.parse(text) as {
        results: Array<{ index: number; status: number; error?: { code?: string; message?: string } }>;
      };
      for (const r of results) {
        if (r.status === 202) {
          intake.accepted++;
          continue;
        }
        intake.failed++;
        this.tracker.forget(phase, items[r.index]!.ref);
        noteError(
          intake,
          `item answered ${r.status}: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.trim(),
        );
      }
    } catch (err) {
      for (const { ref } of items) this.tracker.forget(phase, ref);
      intake.failed += items.length;
      noteError(intake, (err as Error).message);
    }
  }
}

/** Produces to notify.requests.v1 with x-notify-requested-at = the moment of the produce call. */
export class KafkaTarget implements LoadTarget {
  readonly path = 'kafka' as const;

  constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
    private readonly tenant: BenchTenant,
    private readonly tracker: AcceptanceTracker,
    private readonly refs: RefSequence,
  ) {}

  async send(phase: PhaseTally, intake: IntakeTally, count: number): Promise<void> {
    const sentAt = Date.now();
    const items = Array.from({ length: count }, () => this.refs.take());
    const messages = items.map(({ ref, index }) => {
      const { key, value } = kafkaRequest(this.tenant, ref, index, sentAt);
      return {
        key,
        value: this.serde.encode(Topics.requests, value),
        headers: { [Headers.REQUESTED_AT]: String(sentAt) },
      };
    });
    for (const { ref } of items) this.tracker.expect(phase, ref, sentAt);
    try {
      await this.producer.send({ topic: Topics.requests.name, acks: -1, messages });
      intake.callMs.push(Date.now() - sentAt);
      intake.accepted += count;
    } catch (err) {
      for (const { ref } of items) this.tracker.forget(phase, ref);
      intake.failed += count;
      noteError(intake, (err as Error).message);
    }
  }
}
