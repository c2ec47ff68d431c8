import type { Message, Producer } from 'kafkajs';
import type { AvroSerde } from './avro-serde.js';
import { Headers, type HeaderMap } from './headers.js';
import type { Output } from './processor.js';
import { childTraceparent } from './trace-context.js';
import { WriteCoalescer } from './write-coalescer.js';

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
    this.sends = new WriteCoalescer((messages) => this.send(messages));
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
