import type { Admin } from 'kafkajs';
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
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(PIPELINE_GROUP_PREFIX));
  if (ids.length === 0) return [];
  const described = await admin.describeGroups(ids);
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
 * Moves the idle pipeline groups (no members: no pipeline runs) to the end of their topics, so records
 * that earlier runs left unprocessed are not worked off inside this run's measurements. Returns the
 * number of records skipped per group.
 */
export async function skipAbandonedBacklog(admin: Admin): Promise<Record<string, number>> {
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(PIPELINE_GROUP_PREFIX));
  if (ids.length === 0) return {};
  const described = await admin.describeGroups(ids);
  const skipped: Record<string, number> = {};
  for (const g of described.groups) {
    if (g.members.length > 0) continue;
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: g.groupId })) {
      const ends = await admin.fetchTopicOffsets(topic);
      const behind = partitions.reduce((sum, p) => {
        const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? p.offset);
        return Number(p.offset) >= 0 ? sum + Math.max(0, end - Number(p.offset)) : sum;
      }, 0);
      if (behind === 0) continue;
      await admin.resetOffsets({ groupId: g.groupId, topic, earliest: false });
      skipped[g.groupId] = (skipped[g.groupId] ?? 0) + behind;
    }
  }
  return skipped;
}
