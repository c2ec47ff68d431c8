import { recipientKey } from '@notify/schemas';
import { OutputPublisher, output } from '@notify/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedSpec, createTopics, kafka, readTopic, sampleNotification, testSerde } from '../support/kafka.js';
import { uniqueName } from '../support/stack-env.js';

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
let produceRequests = 0;

beforeAll(async () => {
  producer.on(producer.events.REQUEST, (e) => {
    if (e.payload.apiName === 'Produce') produceRequests++;
  });
  await producer.connect();
});
afterAll(async () => producer.disconnect());

describe('OutputPublisher', () => {
  it('carries concurrent publishes in shared produce requests, and every record lands', async () => {
    const topic = uniqueName('rt.publisher');
    await createTopics([topic], 1);
    const spec = acceptedSpec(topic, 1);
    const publisher = new OutputPublisher(producer, await testSerde([spec]));
    const callers = 60;
    produceRequests = 0;
    await Promise.all(
      Array.from({ length: callers }, (_, i) => {
        const n = sampleNotification(i);
        return publisher.publish([output(spec, recipientKey(n), { notification: n })]);
      }),
    );
    expect(produceRequests).toBeGreaterThan(0);
    expect(produceRequests).toBeLessThan(callers / 4);
    const records = await readTopic(topic, callers, { idleMs: 1500 });
    expect(records).toHaveLength(callers);
  });

  it('fails every caller whose records the failed request carried', async () => {
    const spec = acceptedSpec(uniqueName('rt.publisher.missing'), 1); // never created: the broker refuses it
    const strict = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1, initialRetryTime: 50 } });
    await strict.connect();
    try {
      const publisher = new OutputPublisher(strict, await testSerde([acceptedSpec(uniqueName('rt.publisher.schema'), 1)]));
      const n = sampleNotification(1);
      const results = await Promise.allSettled([1, 2, 3].map(() => publisher.publish([output(spec, 'k', { notification: n })])));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    } finally {
      await strict.disconnect();
    }
  });
});
