import { Headers } from '@notify/runtime';
import { dlqTopicName, recipientKey, retryTopicName } from '@notify/schemas';
import path from 'node:path';
import { acceptedSpec, createTopics, produce, requestHeaders, sampleNotification, testSerde } from '../support/kafka.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { REPO_ROOT, uniqueName } from '../support/stack-env.js';

export const RELAY_ENTRY = path.join(REPO_ROOT, 'test', 'fixtures', 'relay-service.ts');

export interface RelayTopics {
  input: string;
  output: string;
  dlq: string;
  groupId: string;
  partitions: number;
  retryDelaysMs: string;
}

export async function relayTopics(prefix: string, partitions = 3, retryDelaysMs = '300,3000'): Promise<RelayTopics> {
  const input = uniqueName(`${prefix}.in`);
  const output = uniqueName(`${prefix}.out`);
  const tiers = retryDelaysMs.split(',').length;
  await createTopics([input, output, ...Array.from({ length: tiers }, (_, i) => retryTopicName(input, i + 1)), dlqTopicName(input)], partitions);
  return { input, output, dlq: dlqTopicName(input), groupId: uniqueName(`${prefix}-group`), partitions, retryDelaysMs };
}

export function startRelay(t: RelayTopics, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  return startServiceProcess('relay', RELAY_ENTRY, {
    TEST_INPUT_TOPIC: t.input,
    TEST_OUTPUT_TOPIC: t.output,
    TEST_GROUP_ID: t.groupId,
    TEST_PARTITIONS: String(t.partitions),
    RETRY_DELAYS_MS: t.retryDelaysMs,
    SHUTDOWN_GRACE_MS: '15000',
    INSTANCE_ID: 'relay-a',
    ...extra,
  });
}

/** Produces `count` valid records (ids n-0..n-{count-1}); `poison` maps an index to raw bytes or data overrides. */
export async function produceNotifications(
  t: RelayTopics,
  count: number,
  special: Record<number, Buffer | Record<string, string>> = {},
  offset = 0,
): Promise<void> {
  const spec = acceptedSpec(t.input, t.partitions);
  const serde = await testSerde([spec]);
  const messages = Array.from({ length: count }, (_, j) => {
    const i = j + offset;
    const s = special[i];
    const n = sampleNotification(i, s && !Buffer.isBuffer(s) ? s : {});
    return {
      key: recipientKey(n),
      value: Buffer.isBuffer(s) ? s : serde.encode(spec, { notification: n }),
      headers: { ...requestHeaders(), [Headers.TRACEPARENT]: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    };
  });
  await produce(t.input, messages);
}

export async function decodeIds(t: RelayTopics, values: Array<Buffer | null>): Promise<string[]> {
  const serde = await testSerde([acceptedSpec(t.output, t.partitions)]);
  const ids: string[] = [];
  for (const v of values) {
    const rec = await serde.decode<{ notification: { notificationId: string } }>('notification-accepted', v);
    ids.push(rec.notification.notificationId);
  }
  return ids;
}

export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}
