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

  it('refuses transactional offsets from a member of an older group generation, or no member at all (KIP-447)', async () => {
    const source = uniqueName('infra.tx.gen');
    const groupId = uniqueName('tx-gen-group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }], waitForLeaders: true });
    const consumer = kafka.consumer({ groupId, readUncommitted: false });
    const joined = new Promise<{ generationId: number; memberId: string }>((resolve) => consumer.on(consumer.events.GROUP_JOIN, (e) => resolve(e.payload)));
    await consumer.connect();
    await consumer.subscribe({ topic: source, fromBeginning: true });
    void consumer.run({ eachMessage: async () => undefined });
    const { generationId, memberId } = await joined;
    expect(generationId).toBeGreaterThan(0);

    const producer = kafka.producer({ transactionalId: uniqueName('tx-gen'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const commitAs = async (member: { generationId: number; memberId: string }, offset: string): Promise<string> => {
      for (;;) {
        const txn = await producer.transaction();
        try {
          await txn.sendOffsets({ consumerGroupId: groupId, ...member, topics: [{ topic: source, partitions: [{ partition: 0, offset }] }] });
          await txn.commit();
          return 'committed';
        } catch (err) {
          await txn.abort().catch(() => undefined);
          const type = (err as { type?: string }).type ?? String(err);
          // The previous transaction's abort is still being written: ask again.
          if (type !== 'CONCURRENT_TRANSACTIONS') return type;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    expect(await commitAs({ generationId: generationId - 1, memberId }, '5')).toBe('ILLEGAL_GENERATION');
    expect(await commitAs({ generationId, memberId: 'someone-else' }, '6')).toBe('UNKNOWN_MEMBER_ID');
    expect(await commitAs({ generationId, memberId }, '7')).toBe('committed');
    await consumer.disconnect();
    await producer.disconnect();
    expect((await admin.fetchOffsets({ groupId, topics: [source] }))[0]!.partitions[0]!.offset).toBe('7');
    await admin.disconnect();
  });

  it('answers an offset fetch only once the transaction committing those offsets has ended', async () => {
    const source = uniqueName('infra.tx.stable');
    const groupId = uniqueName('tx-stable-group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ transactionalId: uniqueName('tx-stable'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: source, partitions: [{ partition: 0, offset: '3' }] }] });

    const started = Date.now();
    const fetched = admin.fetchOffsets({ groupId, topics: [source] }).then((r) => ({ offset: r[0]!.partitions[0]!.offset, afterMs: Date.now() - started }));
    await new Promise((r) => setTimeout(r, 1_500));
    await txn.commit();
    const { offset, afterMs } = await fetched;
    expect(offset).toBe('3');
    expect(afterMs).toBeGreaterThanOrEqual(1_400);
    await producer.disconnect();
    await admin.disconnect();
  });
});
