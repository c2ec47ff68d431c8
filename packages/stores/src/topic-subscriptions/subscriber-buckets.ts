import { createHash } from 'node:crypto';

/**
 * How many bucket documents hold one topic's subscribers. A user always falls in the same bucket, in
 * every topic, so one bucket of several topics holds all of them a user can be in. 256 keeps a bucket of a
 * 1,000,000-subscriber topic near 4,000 members (tens of kB), and a 16 MB document far away (~50 million
 * subscribers of 64-character ids).
 */
export const BUCKETS = 256;

/** The bucket of a user id: the first 4 bytes of its SHA-1, mod BUCKETS. Stable across processes and versions. */
export function bucketOf(userId: string): number {
  return createHash('sha1').update(userId).digest().readUInt32BE(0) % BUCKETS;
}

/** The _id of one bucket of a tenant's topic; the one place it is built. */
export function bucketId(tenantId: string, topicId: string, bucket: number): string {
  // JSON keeps the parts apart: ('a:b', 'c') and ('a', 'b:c') must not collide.
  return JSON.stringify([tenantId, topicId, bucket]);
}

/** User ids grouped by bucket, each group in the order given. */
export function groupByBucket(userIds: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const userId of userIds) {
    const bucket = bucketOf(userId);
    const group = groups.get(bucket);
    if (group) group.push(userId);
    else groups.set(bucket, [userId]);
  }
  return groups;
}
