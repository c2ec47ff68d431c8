import { dlqTopicName, retryTopicName } from '@notify/schemas';
import type { KafkaMessage, Message } from 'kafkajs';
import { ErrorCodes, type NotifyError } from './errors.js';
import { failureHeaders } from './failure-headers.js';
import { Headers, type HeaderMap } from './headers.js';
import type { InputRecord, Output } from './processor.js';
import { nextRetryStep } from './retry-policy.js';

/** One consumed record after decoding and its handler: outputs, or the failure that stopped it. */
export interface EvaluatedRecord {
  message: KafkaMessage;
  headers: HeaderMap;
  /** 1 on the first try. */
  attempt: number;
  /** Absent when the value could not be decoded. */
  input?: InputRecord<unknown>;
  outputs?: Output[];
  failure?: NotifyError;
}

/** Where one record ended up in its slice's transaction. */
export type RecordFate =
  | { kind: 'produced'; record: EvaluatedRecord; outputs: number; requestedAt?: number }
  | { kind: 'retry'; record: EvaluatedRecord; failure: NotifyError; tier: number; dueAt: number }
  | { kind: 'dead-letter'; record: EvaluatedRecord; failure: NotifyError };

export interface SliceOutcome {
  topicMessages: Array<{ topic: string; messages: Message[] }>;
  /** One per record, in offset order. */
  fates: RecordFate[];
}

export interface SliceOutcomeOptions {
  /** The consumed topic (the input or one of its retry tiers), partition and the consuming service. */
  source: { topic: string; partition: number; service: string };
  /** The processor's input topic, which names the retry and dead-letter topics. */
  inputTopic: string;
  retryDelaysMs: readonly number[];
  now: number;
  /** Encodes a record's outputs as Kafka messages, or says why they cannot be encoded. */
  encode(record: EvaluatedRecord, outputs: readonly Output[]): Array<[string, Message]> | NotifyError;
  /** Outputs that go with a dead letter (e.g. a FAILED status event); none when the record was not decoded. */
  deadLetterOutputs(record: EvaluatedRecord, failure: NotifyError): Output[];
}

/** A record failed because a store or service of ours is unavailable: the whole slice must wait. */
export class SliceBlockedError extends Error {
  constructor(readonly failure: NotifyError) {
    super(failure.message, { cause: failure });
    this.name = 'SliceBlockedError';
  }
}

/**
 * What a slice's transaction holds: every record's outputs, or its original bytes on the next retry tier
 * or the dead-letter topic with the failure in its headers. Pure: nothing is sent, counted or logged.
 * Throws SliceBlockedError when a record failed for an unavailable dependency, since no record of the
 * slice may then be committed past it.
 */
export function sliceOutcome(records: readonly EvaluatedRecord[], opts: SliceOutcomeOptions): SliceOutcome {
  const byTopic = new Map<string, Message[]>();
  const push = (topic: string, message: Message) => {
    const list = byTopic.get(topic);
    if (list) list.push(message);
    else byTopic.set(topic, [message]);
  };
  const fates: RecordFate[] = [];
  const { source, now } = opts;

  for (const record of records) {
    let failure = record.failure;
    if (!failure && record.outputs) {
      const encoded = opts.encode(record, record.outputs);
      if (encoded instanceof Array) {
        for (const [topic, message] of encoded) push(topic, message);
        const requestedAt = Number(record.headers[Headers.REQUESTED_AT]);
        fates.push({ kind: 'produced', record, outputs: encoded.length, ...(requestedAt > 0 ? { requestedAt } : {}) });
        continue;
      }
      failure = encoded;
    }
    if (!failure) throw new Error(`record at offset ${record.message.offset} has neither outputs nor a failure`);
    if (failure.code === ErrorCodes.DEPENDENCY_UNAVAILABLE) throw new SliceBlockedError(failure);

    const step = nextRetryStep(opts.retryDelaysMs, record.attempt, failure, now);
    const attemptsMade = step.kind === 'retry' && step.keepsAttempt ? record.attempt - 1 : record.attempt;
    const headers = failureHeaders(record.headers, failure, { ...source, offset: record.message.offset }, attemptsMade, now);
    const original = { key: record.message.key, value: record.message.value };
    if (step.kind === 'retry') {
      headers[Headers.RETRY_DUE_AT] = String(step.dueAt);
      push(retryTopicName(opts.inputTopic, step.tier), { ...original, headers });
      fates.push({ kind: 'retry', record, failure, tier: step.tier, dueAt: step.dueAt });
    } else {
      headers[Headers.DEAD_LETTERED_AT] = String(now);
      push(dlqTopicName(opts.inputTopic), { ...original, headers });
      const extra = opts.encode(record, opts.deadLetterOutputs(record, failure));
      if (extra instanceof Array) for (const [topic, message] of extra) push(topic, message);
      fates.push({ kind: 'dead-letter', record, failure });
    }
  }
  return { topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })), fates };
}
