import type { Message, Producer } from 'kafkajs';
import type { AvroSerde } from './avro-serde.js';
import { Headers, type HeaderMap } from './headers.js';
import type { Output } from './processor.js';
import { childTraceparent } from './trace-context.js';
import { WriteCoalescer } from './write-coalescer.js';

/**
 * Callers share a produce request while it stays this small: the broker refuses a record batch over its
 * max.message.bytes (1 MiB by default), and a request past it would fail every caller it carried.
 */
const SHARED_REQUEST_MAX_BYTES = 512 * 1024; // 512 KiB

function messageBytes([, message]: [string, Message]): number {
  let bytes = (message.value as Buffer | null)?.length ?? 0;
  bytes += typeof message.key === 'string' ? Buffer.byteLength(message.key) : (message.key?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += name.length + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  return bytes;
}

/**
 * Produces typed outputs outside a consume loop (REST ingest, the scheduler): Avro-encoded, idempotent
 * producer, acks from all in-sync replicas. Calls made while a produce request is in flight are sent
 * together in the next one, so concurrent callers share produce round trips instead of queueing for
 * one each; every caller learns the outcome of the request that carried its records.
 */
export class OutputPublisher {
  private readonly sends: WriteCoalescer<[string, Message]>;

  constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
  ) {
    this.sends = new WriteCoalescer((messages) => this.send(messages), { weigh: messageBytes, max: SHARED_REQUEST_MAX_BYTES });
  }

  publish(outputs: Output[], common: HeaderMap = {}): Promise<void> {
    if (outputs.length === 0) return Promise.resolve();
    let messages: Array<[string, Message]>;
    try {
      messages = outputs.map((o) => {
        const headers: HeaderMap = { [Headers.TRACEPARENT]: childTraceparent(common[Headers.TRACEPARENT]), ...common, ...o.headers };
        return [o.topic.name, { key: o.key, value: this.serde.encode(o.topic, o.value), headers }];
      });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.sends.submit(messages);
  }

  private async send(messages: Array<[string, Message]>): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const [topic, message] of messages) {
      const list = byTopic.get(topic);
      if (list) list.push(message);
      else byTopic.set(topic, [message]);
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })) });
  }
}
