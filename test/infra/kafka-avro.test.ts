import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEnv, uniqueName } from '../support/stack-env.js';

const env = stackEnv();
const kafka = new Kafka({ clientId: 'infra-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const registry = new SchemaRegistry({ host: env.SCHEMA_REGISTRY_URL });
const consumers: Consumer[] = [];

async function readAll(topic: string, groupId: string, count: number): Promise<Buffer[]> {
  const consumer = kafka.consumer({ groupId });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out reading ${topic}`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!);
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
});

describe('Kafka with Avro through the schema registry', () => {
  it('round-trips a Confluent-framed Avro record, read by two consumer groups', async () => {
    const topic = uniqueName('infra.avro');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const schema = {
      type: 'record',
      name: 'Ping',
      namespace: 'io.notify.test',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    );
    const value = { id: 'n-1', at: 1_700_000_000_000 };
    const encoded = await registry.encode(id, value);

    // Confluent wire format: magic byte 0, then the 4-byte big-endian schema id, then Avro binary.
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 't1:u1', value: encoded }] });
    await producer.disconnect();

    const [a] = await readAll(topic, uniqueName('group-a'), 1);
    const [b] = await readAll(topic, uniqueName('group-b'), 1);
    expect(await registry.decode(a!)).toEqual(value);
    expect(await registry.decode(b!)).toEqual(value);
  });
});
