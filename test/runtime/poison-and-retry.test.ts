import { Headers } from '@notify/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { headerText, readTopic, testSerde, acceptedSpec } from '../support/kafka.js';
import type { ServiceProcess } from '../support/service-process.js';
import { decodeIds, duplicates, produceNotifications, relayTopics, startRelay } from './relay-harness.js';

let running: ServiceProcess[] = [];
afterEach(async () => {
  for (const p of running) p.kill('SIGKILL');
  running = [];
});

describe('stream runtime: poison records and retry tiers', () => {
  it('delivers 999 of 1,000 records exactly once and dead-letters the undecodable one with full headers', async () => {
    const t = await relayTopics('rt.poison');
    const poison = Buffer.from('not avro at all');
    await produceNotifications(t, 1000, { 500: poison });
    const relay = await startRelay(t);
    running.push(relay);
    await relay.waitReady();

    const out = await readTopic(t.output, 999);
    const ids = await decodeIds(t, out.map((m) => m.value));
    expect(duplicates(ids)).toEqual([]);
    expect(ids).toHaveLength(999);
    expect(ids).not.toContain('n-500');
    // The trace continues: same trace id, new span.
    expect(headerText(out[0]!, Headers.TRACEPARENT)).toMatch(/^00-a{32}-(?!b{16})[0-9a-f]{16}-01$/);

    const dlq = await readTopic(t.dlq, 1);
    expect(dlq).toHaveLength(1);
    const dead = dlq[0]!;
    expect(dead.value).toEqual(poison);
    expect(dead.key?.toString()).toBe('t1:u-0');
    expect(headerText(dead, Headers.ERROR_CODE)).toBe('DESERIALIZATION');
    expect(headerText(dead, Headers.ERROR_CLASS)).toBe('DeserializationError');
    expect(headerText(dead, Headers.ERROR_MESSAGE)).toMatch(/magic byte/);
    expect(headerText(dead, Headers.SOURCE_TOPIC)).toBe(t.input);
    expect(headerText(dead, Headers.SOURCE_PARTITION)).toMatch(/^\d+$/);
    expect(headerText(dead, Headers.SOURCE_OFFSET)).toMatch(/^\d+$/);
    expect(headerText(dead, Headers.SERVICE)).toBe('relay');
    expect(headerText(dead, Headers.ATTEMPT)).toBe('1');
    expect(Number(headerText(dead, Headers.FIRST_FAILED_AT))).toBeGreaterThan(0);

    const metrics = await relay.metrics();
    expect(metrics).toMatch(/notify_records_dead_lettered_total\{[^}]*code="DESERIALIZATION"[^}]*\} 1/);
  });

  it('retries a transient failure through the tiers and processes it once, no earlier than the tier delay', async () => {
    const t = await relayTopics('rt.retry', 1, '300,3000');
    // Fails on attempts 1 and 2, succeeds on attempt 3 = the second retry tier (3 s delay).
    await produceNotifications(t, 3, { 1: { failUntilAttempt: '3' }, 2: { fail: 'permanent' } });
    const producedAt = Date.now();
    const relay = await startRelay(t);
    running.push(relay);
    await relay.waitReady();

    const out = await readTopic(t.output, 2, { idleMs: 5000 });
    const serde = await testSerde([acceptedSpec(t.output, 1)]);
    const values = await Promise.all(
      out.map((m) => serde.decode<{ notification: { notificationId: string; data: Record<string, string> } }>('notification-accepted', m.value)),
    );
    const retried = values.filter((v) => v.notification.notificationId === 'n-1');
    expect(retried).toHaveLength(1);
    expect(retried[0]!.notification.data.processedAttempt).toBe('3');
    expect(Number(retried[0]!.notification.data.processedAt) - producedAt).toBeGreaterThanOrEqual(3000 + 300);
    expect(values.map((v) => v.notification.notificationId).sort()).toEqual(['n-0', 'n-1']);

    const dlq = await readTopic(t.dlq, 1);
    expect(dlq).toHaveLength(1);
    expect(headerText(dlq[0]!, Headers.ERROR_CODE)).toBe('VALIDATION');
    expect(headerText(dlq[0]!, Headers.ERROR_MESSAGE)).toBe('poison n-2');
  });
});
