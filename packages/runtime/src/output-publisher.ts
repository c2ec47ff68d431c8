import type { Producer } from 'kafkajs';
import type { AvroSerde } from './avro-serde.js';
import { Headers, type HeaderMap } from './headers.js';
import type { Output } from './processor.js';
import { childTraceparent } from './trace-context.js';

/**
 * Produces typed outputs outside a consume loop (REST ingest, the scheduler): Avro-encoded, idempotent
 * producer, acks from all in-sync replicas. One call is one batch.
 */
export class OutputPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
  ) {}

  async publish(outputs: Output[], common: HeaderMap = {}): Promise<void> {
    if (outputs.length === 0) return;
    const byTopic = new Map<string, Array<{ key: string; value: Buffer; headers: HeaderMap }>>();
    for (const o of outputs) {
      const headers: HeaderMap = { [Headers.TRACEPARENT]: childTraceparent(common[Headers.TRACEPARENT]), ...common, ...o.headers };
      const list = byTopic.get(o.topic.name) ?? [];
      list.push({ key: o.key, value: this.serde.encode(o.topic, o.value), headers });
      byTopic.set(o.topic.name, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
