import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { stackEnv, uniqueName } from '../support/stack-env.js';

const env = stackEnv();
const kafka = new Kafka({ clientId: 'infra-tx-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });

async function readCommitted(topic: string, expected: number, idleMs = 3000): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  let last = Date.now();
  void consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value!.toString());
      last = Date.now();
    },
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && (values.length < expected || Date.now() - last < idleMs)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.disconnect();
  return values;
}

describe('Kafka transactions', () => {
  it('commits consumer offsets with sendOffsets; an aborted record stays invisible to read_committed', async () => {
    const source = uniqueName('infra.tx.in');
    const sink = uniqueName('infra.tx.out');
    const groupId = uniqueName('tx-group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: source, numPartitions: 1 },
        { topic: sink, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });

    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic: source, messages: [{ value: 'in-0' }, { value: 'in-1' }] });
    await plain.disconnect();

    const producer = kafka.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const committed = await producer.transaction();
    await committed.send({ topic: sink, messages: [{ value: 'kept' }] });
    await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: source, partitions: [{ partition: 0, offset: '2' }] }] });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic: sink, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    await producer.disconnect();

    expect(await readCommitted(sink, 1)).toEqual(['kept']);

    const offsets = await admin.fetchOffsets({ groupId, topics: [source] });
    expect(offsets[0]!.partitions[0]!.offset).toBe('2');
    await admin.disconnect();
  });
});
