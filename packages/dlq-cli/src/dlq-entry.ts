import { Headers, readHeaders, type HeaderMap } from '@notify/runtime';
import { dlqTopicName } from '@notify/schemas';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** The suffix every dead-letter topic carries (`<topic>.dlq`). */
export const DLQ_SUFFIX = dlqTopicName('');

export function isDlqTopic(topic: string): boolean {
  return topic.endsWith(DLQ_SUFFIX) && topic.length > DLQ_SUFFIX.length;
}

/** The topic a dead-letter topic collects failures of, from its name alone. */
export function sourceTopicOfDlq(dlqTopic: string): string {
  return isDlqTopic(dlqTopic) ? dlqTopic.slice(0, -DLQ_SUFFIX.length) : dlqTopic;
}

/** What the runtime wrote about a failure, read from a dead letter's headers. */
export interface FailureInfo {
  code?: string;
  errorClass?: string;
  message?: string;
  retriable?: boolean;
  /** The topic the record was first consumed from: the header, else the DLQ's name without `.dlq`. */
  sourceTopic: string;
  sourcePartition?: number;
  sourceOffset?: string;
  service?: string;
  attempt?: number;
  firstFailedAt?: number;
  /** Epoch millis: the header, else the Kafka record timestamp. */
  deadLetteredAt: number;
  /** How many times the record had already been replayed before it landed here. */
  replayCount: number;
}

/** One record of a dead-letter topic with its failure headers parsed. */
export interface DlqEntry {
  dlqTopic: string;
  partition: number;
  offset: string;
  /** Kafka record timestamp, epoch millis. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Headers as received, republished byte for byte. */
  rawHeaders: IHeaders;
  /** UTF-8 view of the headers (last value wins). */
  headers: HeaderMap;
  failure: FailureInfo;
}

export function toDlqEntry(dlqTopic: string, partition: number, message: KafkaMessage): DlqEntry {
  const rawHeaders = (message.headers ?? {}) as IHeaders;
  const headers = readHeaders(rawHeaders as Record<string, unknown>);
  const timestamp = Number(message.timestamp);
  return {
    dlqTopic,
    partition,
    offset: message.offset,
    timestamp,
    key: message.key ?? null,
    value: message.value ?? null,
    rawHeaders,
    headers,
    failure: failureInfo(dlqTopic, headers, timestamp),
  };
}

export function failureInfo(dlqTopic: string, headers: HeaderMap, recordTimestamp: number): FailureInfo {
  const retriable = headers[Headers.ERROR_RETRIABLE];
  return {
    ...optional('code', headers[Headers.ERROR_CODE]),
    ...optional('errorClass', headers[Headers.ERROR_CLASS]),
    ...optional('message', headers[Headers.ERROR_MESSAGE]),
    ...(retriable === undefined ? {} : { retriable: retriable === 'true' }),
    sourceTopic: headers[Headers.SOURCE_TOPIC] || sourceTopicOfDlq(dlqTopic),
    ...optional('sourcePartition', int(headers[Headers.SOURCE_PARTITION])),
    ...optional('sourceOffset', headers[Headers.SOURCE_OFFSET]),
    ...optional('service', headers[Headers.SERVICE]),
    ...optional('attempt', int(headers[Headers.ATTEMPT])),
    ...optional('firstFailedAt', int(headers[Headers.FIRST_FAILED_AT])),
    deadLetteredAt: int(headers[Headers.DEAD_LETTERED_AT]) ?? recordTimestamp,
    replayCount: int(headers[Headers.REPLAY_COUNT]) ?? 0,
  };
}

export function keyText(entry: Pick<DlqEntry, 'key'>): string | null {
  return entry.key === null ? null : entry.key.toString('utf8');
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
