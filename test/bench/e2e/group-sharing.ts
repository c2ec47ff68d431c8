import { retryStep } from '@notify/runtime';
import { dispatchTopic, retryTopicName, Topics, type Provider, type TopicSpec } from '@notify/schemas';
import type { Admin, Kafka, TopicPartitionOffset } from 'kafkajs';
import { sleep } from '../lib/waiting.js';

/**
 * The pipeline's consumer groups (`notify.<stage>`) and topics have fixed names, so another pipeline
 * on the same broker (a test suite, a demo) joins the same groups: partitions are split between the two
 * and each delivers some of the other's records. These checks keep the benchmark from starting into that,
 * and say when it happened during a run.
 */
const PIPELINE_GROUP_PREFIX = 'notify.';
const POLL_MS = 5_000;

export interface GroupMember {
  group: string;
  clientId: string;
  host: string;
}

/** Members of the pipeline's consumer groups whose client id does not start with `ourPrefix`. */
export async function foreignMembers(admin: Admin, ourPrefix: string | undefined): Promise<GroupMember[]> {
  // A broker started moments ago answers "coordinator is loading" for a while: retried, not fatal.
  const { groups } = await retryStep('list consumer groups', () => admin.listGroups());
  const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(PIPELINE_GROUP_PREFIX));
  if (ids.length === 0) return [];
  const described = await retryStep('describe consumer groups', () => admin.describeGroups(ids));
  return described.groups.flatMap((g) =>
    g.members
      .filter((m) => ourPrefix === undefined || !m.clientId.startsWith(ourPrefix))
      .map((m) => ({ group: g.groupId, clientId: m.clientId, host: m.clientHost })),
  );
}

/**
 * Waits until no other pipeline is in the consumer groups (checked every 5 s), at most `timeoutMs`.
 * Returns the members still there when it gave up (empty when the groups are free).
 */
export async function waitForFreeGroups(
  admin: Admin,
  timeoutMs: number,
  log: (msg: string) => void,
): Promise<GroupMember[]> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    const members = await foreignMembers(admin, undefined);
    if (members.length === 0) return [];
    if (Date.now() >= deadline) return members;
    if (!announced) {
      const groups = [...new Set(members.map((m) => m.group))];
      log(
        `another pipeline is running on this broker (${members.length} members in ${groups.join(', ')}); waiting up to ${Math.round(timeoutMs / 1000)} s for it to stop`,
      );
      announced = true;
    }
    await sleep(POLL_MS);
  }
}

/**
 * Moves the given consumer groups, when idle (no members: no pipeline runs), to the end of their input
 * topics, so records that earlier runs left unprocessed are not worked off inside this run's
 * measurements. Offsets are set to the partitions' end offsets explicitly, never to kafkajs's "latest"
 * marker, which a consumer reads as no offset at all (and then starts from the beginning). Only the
 * groups of the services about to start are named, never another tool's. Returns the records skipped.
 */
export async function skipAbandonedBacklog(
  kafka: Kafka,
  admin: Admin,
  groups: ReadonlyArray<{ groupId: string; topics: readonly string[] }>,
): Promise<Record<string, number>> {
  const described = await admin.describeGroups(groups.map((g) => g.groupId));
  const idle = new Set(described.groups.filter((g) => g.members.length === 0).map((g) => g.groupId));
  const existing = new Set(await admin.listTopics());
  const skipped: Record<string, number> = {};
  for (const { groupId, topics } of groups) {
    if (!idle.has(groupId)) continue;
    const moves: TopicPartitionOffset[] = [];
    let count = 0;
    for (const topic of topics.filter((t) => existing.has(t))) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const e of ends) {
        const at = Number(committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1);
        const behind = Number(e.high) - Math.max(at, Number(e.low));
        if (behind <= 0) continue;
        moves.push({ topic, partition: e.partition, offset: e.high });
        count += behind;
      }
    }
    if (moves.length === 0) continue;
    await commitForIdleGroup(kafka, groupId, moves);
    skipped[groupId] = count;
  }
  return skipped;
}

const JOIN_TIMEOUT_MS = 30_000; // 30 s

/**
 * Commits offsets for a group that has no members: a short-lived member joins (consuming nothing),
 * commits and leaves. One join per group; kafkajs's admin.setOffsets joins once per topic and then waits
 * for a fetch, seconds each.
 */
async function commitForIdleGroup(kafka: Kafka, groupId: string, moves: TopicPartitionOffset[]): Promise<void> {
  const topics = [...new Set(moves.map((m) => m.topic))];
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    // Nothing is resolved or committed by the runner: autoCommit is off and the handler ignores what it gets.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    consumer.pause(topics.map((topic) => ({ topic })));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      joined,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`could not join ${groupId} within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    await consumer.commitOffsets(moves);
  } finally {
    await consumer.disconnect();
  }
}

const INPUT_OF: Record<string, TopicSpec> = {
  ingest: Topics.requests,
  // ingest's second consumer group, expanding broadcast topics.
  'broadcast-expander': Topics.broadcasts,
  enrichment: Topics.accepted,
  'preference-filter': Topics.enriched,
  'channel-router': Topics.filtered,
  'status-tracker': Topics.status,
};

/** The consumer group (notify.<stage>) and input topics, retry tiers included, of each named service. */
export function serviceGroups(
  services: readonly string[],
  retryTiers: number,
): Array<{ groupId: string; topics: string[] }> {
  return services.flatMap((name) => {
    const input = name.startsWith('sender-')
      ? dispatchTopic(name.slice('sender-'.length) as Provider)
      : INPUT_OF[name];
    if (!input) return [];
    const tiers = Array.from({ length: retryTiers }, (_, i) => retryTopicName(input.name, i + 1));
    return [{ groupId: `notify.${name}`, topics: [input.name, ...tiers] }];
  });
}
