// read_committed through kafkajs, against the broker: records of aborted transactions stay hidden when
// aborted transactions interleave, and committed ones that follow are all delivered. kafkajs 2.2.4 took one
// aborted transaction per message in the broker's order (by abort marker), so a transaction that began
// earlier but was aborted later was noticed late and its first records were delivered; patches/ fixes it.
import { describe, expect, it } from 'vitest';
import { createTopics, kafka, readTopic } from '../support/kafka.js';
import { uniqueName } from '../support/stack-env.js';

async function transactionalProducer(name: string) {
  const producer = kafka.producer({ transactionalId: uniqueName(name), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

describe('read_committed with interleaved aborted transactions', () => {
  it('hides every aborted record and delivers every committed one', async () => {
    const topic = uniqueName('infra.read-committed');
    await createTopics([topic], 1);
    const early = await transactionalProducer('early');
    const late = await transactionalProducer('late');
    const send = (txn: Awaited<ReturnType<typeof early.transaction>>, value: string) => txn.send({ topic, messages: [{ value }] });

    const x = await early.transaction();
    await send(x, 'aborted-early-1'); // offset 0: begins first...
    const b = await late.transaction();
    await send(b, 'aborted-late'); // offset 1
    await b.abort(); // offset 2: ...but its marker comes after this one
    await send(x, 'aborted-early-2'); // offset 3
    await x.abort(); // offset 4
    const c = await early.transaction();
    await send(c, 'committed-1');
    await send(c, 'committed-2');
    await c.commit();
    await early.disconnect();
    await late.disconnect();

    const values = (await readTopic(topic, 2, { idleMs: 2000 })).map((m) => m.value?.toString());
    expect(values).toEqual(['committed-1', 'committed-2']);
  });
});
