import type { Message, Producer } from 'kafkajs';
import type { AvroSerde } from './avro-serde.js';
import { Headers, type HeaderMap } from './headers.js';
import type { Output } from './processor.js';
import { childTraceparent } from './trace-context.js';

interface PendingPublish {
  messages: Array<[string, Message]>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Produces typed outputs outside a consume loop (REST ingest, the scheduler): Avro-encoded, idempotent
 * producer, acks from all in-sync replicas. Calls made while a produce request is in flight are sent
 * together in the next one, so concurrent callers share produce round trips instead of queueing for
 * one each; every caller learns the outcome of the request that carried its records.
 */
export class OutputPublisher {
  private queue: PendingPublish[] = [];
  private sending = false;

  constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
  ) {}

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
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.sending || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.sending = true;
    const byTopic = new Map<string, Message[]>();
    for (const { messages } of batch) {
      for (const [topic, message] of messages) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
    }
    this.producer
      .sendBatch({ acks: -1, topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })) })
      .then(
        () => batch.forEach((p) => p.resolve()),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.sending = false;
        this.flush();
      });
  }
}
