import type { SchemaValueTypes, TopicSpec } from '@notify/schemas';
import type { Logger } from 'pino';
import type { NotifyError } from './errors.js';
import type { HeaderMap } from './headers.js';

/** One record to produce: a topic from the registry, its typed value, the key, extra headers. */
export interface Output<S extends keyof SchemaValueTypes = keyof SchemaValueTypes> {
  topic: TopicSpec<S>;
  key: string;
  value: SchemaValueTypes[S];
  headers?: HeaderMap;
}

/** Builds an Output with the value type checked against the topic's schema. */
export function output<S extends keyof SchemaValueTypes>(
  topic: TopicSpec<S>,
  key: string,
  value: SchemaValueTypes[S],
  headers?: HeaderMap,
): Output<S> {
  return headers ? { topic, key, value, headers } : { topic, key, value };
}

export interface RecordContext {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: HeaderMap;
  /** The record's value bytes as consumed, for stages that store or forward them unchanged. */
  rawValue: Buffer | null;
  /** 1 on the first try, n on the n-th. */
  attempt: number;
  /** The attempt after which a retriable failure is dead-lettered (retry tiers + 1). */
  maxAttempts: number;
  logger: Logger;
  now(): number;
  /**
   * For batch handlers: this record's work is done (its outputs may still come with the batch's). A slice
   * whose records keep finishing is making progress, however long it takes as a whole; one where none
   * finishes for SLICE_STALL_MS is taken for stalled.
   */
  progressed?(): void;
  /**
   * False once this process has stood still past its group session timeout since the record's slice
   * began: the partition has most likely moved to another member, and effects outside Kafka (a provider
   * call) must not start. The slice's commit is refused anyway.
   */
  stillAssigned?(): boolean;
}

export interface InputRecord<T> {
  value: T;
  context: RecordContext;
}

/** Per-record processing: zero or more outputs, or a throw (classified by the runtime). */
export type RecordHandler<T> = (value: T, context: RecordContext) => Promise<Output[]> | Output[];

/**
 * Batch processing, for lookups worth batching: one result per input, in order. A result that is an Error
 * fails only its own record.
 */
export type BatchHandler<T> = (records: Array<InputRecord<T>>) => Promise<Array<Output[] | Error>>;

export interface ProcessorDefinition<S extends keyof SchemaValueTypes> {
  /** Stage name, used for metrics and the consumer group default. */
  name: string;
  input: TopicSpec<S>;
  /** Every topic this processor may produce to (schemas are registered for these at start-up). */
  outputs: TopicSpec[];
  handle: { record: RecordHandler<SchemaValueTypes[S]> } | { batch: BatchHandler<SchemaValueTypes[S]> };
  /**
   * Outputs to produce, in the same transaction, when a decoded record is dead-lettered: typically a
   * FAILED or DEAD_LETTERED status event, so the notification's timeline says where it ended.
   */
  onDeadLetter?: (value: SchemaValueTypes[S], failure: NotifyError, context: RecordContext) => Output[];
  /**
   * While this returns a reason, the processor holds: it stops taking records from its input (they stay
   * in Kafka, uncommitted) and resumes within a second of it returning undefined. Used by kill switches.
   */
  holdReason?: () => string | undefined;
  /** Log bindings for a decoded value, e.g. notification and tenant ids. */
  bindings?: (value: SchemaValueTypes[S]) => Record<string, string>;
  /**
   * Records of one slice a record handler works on at the same time (default 1: one after the other).
   * For handlers that wait on I/O (a provider, a store). Records with the same `key` (default: the Kafka
   * key) are still handled one after the other in offset order; outputs are produced in offset order
   * whatever the order handlers finish in.
   */
  concurrency?: { limit: number; key?: (value: SchemaValueTypes[S], context: RecordContext) => string | null };
  /** Consumer group id; defaults to `notify.<name>`. */
  groupId?: string;
  /**
   * exactly-once (default): outputs and offsets in one transaction. at-least-once: for processors whose
   * side effects are outside Kafka and idempotent anyway (senders); offsets committed after outputs.
   */
  delivery?: 'exactly-once' | 'at-least-once';
}
