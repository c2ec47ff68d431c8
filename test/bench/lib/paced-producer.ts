import { recipientKey } from '@notify/schemas';
import { Headers } from '@notify/runtime';
import type { Message } from 'kafkajs';
import { acceptedSpec, kafka, sampleNotification, testSerde } from '../../support/kafka.js';

const TICK_MS = 5;

/**
 * Produces notifications n-<from>..n-<from+count-1> at a fixed rate, each carrying the moment it was
 * sent in x-notify-requested-at. Returns the achieved rate (records/s).
 */
export async function producePaced(topic: string, partitions: number, from: number, count: number, ratePerSecond: number): Promise<number> {
  const spec = acceptedSpec(topic, partitions);
  const serde = await testSerde([spec]);
  const prepared: Message[] = Array.from({ length: count }, (_, j) => {
    const n = sampleNotification(from + j);
    return { key: recipientKey(n), value: serde.encode(spec, { notification: n }) };
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const start = Date.now();
  let sent = 0;
  try {
    while (sent < count) {
      const due = Math.min(count, Math.floor(((Date.now() - start) * ratePerSecond) / 1000)) - sent;
      if (due <= 0) {
        await new Promise((r) => setTimeout(r, TICK_MS));
        continue;
      }
      const sentAt = String(Date.now());
      const messages = prepared.slice(sent, sent + due).map((m) => ({ ...m, headers: { [Headers.REQUESTED_AT]: sentAt } }));
      await producer.send({ topic, acks: -1, messages });
      sent += due;
    }
  } finally {
    await producer.disconnect();
  }
  return (count * 1000) / Math.max(1, Date.now() - start);
}
