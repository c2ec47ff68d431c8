import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { Collections, type SubscriberBucketDoc } from '../documents.js';
import { bucketId, BUCKETS, groupByBucket } from './subscriber-buckets.js';
import type { SubscriberCursor } from './subscriber-cursor.js';

export interface SubscriberListing {
  /** In bucket order, sorted within a bucket: a stable order for paging. */
  subscribers: string[];
  /** Where the next page starts; null after the last subscriber. */
  nextCursor: SubscriberCursor | null;
}

export interface SubscriberPage {
  /** The subscribers of the buckets read, each once whatever the topics they are in, minus those excluded. */
  userIds: string[];
  /** The first bucket not read; null when every bucket was. */
  nextBucket: number | null;
}

export interface ExpansionRead {
  tenantId: string;
  topicIds: readonly string[];
  fromBucket: number;
  /** Whole buckets are read until at least this many subscribers are found, or none are left. */
  wanted: number;
  /** Users left out of the page, e.g. the request's own recipients. */
  exclude: ReadonlySet<string>;
}

/** The most buckets read in one find; runs start at one bucket and double up to this. */
const MAX_BUCKETS_PER_READ = 32;

interface Bucket {
  bucket: number;
  /** Sorted; each user once across the topics read. */
  members: string[];
}

/**
 * Subscribers of broadcast topics, per tenant and topic, kept in BUCKETS bucket documents per topic and
 * read and written by _id only. Subscribing and unsubscribing touch each bucket once, in one bulk write;
 * reading a range of buckets is one find by _id.
 */
export class TopicSubscriptionRepository {
  private readonly collection: Collection<SubscriberBucketDoc>;
  private readonly now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.collection = db.collection<SubscriberBucketDoc>(Collections.topicSubscriptions);
    this.now = options.now ?? Date.now;
  }

  /** Adds the users to the topic; returns how many were not subscribed yet. */
  async subscribe(tenantId: string, topicId: string, userIds: readonly string[]): Promise<number> {
    const changes = await this.changes(tenantId, topicId, userIds, (member) => !member);
    const updatedAt = new Date(this.now());
    return this.apply(changes, (bucket, ids) => ({
      updateOne: {
        filter: { _id: bucketId(tenantId, topicId, bucket) },
        update: {
          $addToSet: { members: { $each: ids } },
          $set: { updatedAt },
          $setOnInsert: { tenantId, topicId, bucket },
        },
        upsert: true,
      },
    }));
  }

  /** Removes the users from the topic; returns how many were subscribed. */
  async unsubscribe(tenantId: string, topicId: string, userIds: readonly string[]): Promise<number> {
    const changes = await this.changes(tenantId, topicId, userIds, (member) => member);
    const updatedAt = new Date(this.now());
    return this.apply(changes, (bucket, ids) => ({
      updateOne: {
        filter: { _id: bucketId(tenantId, topicId, bucket) },
        update: { $pullAll: { members: ids }, $set: { updatedAt } },
      },
    }));
  }

  /** Up to `limit` subscribers of a topic from `cursor` (the start when null), in a stable order. */
  async list(
    tenantId: string,
    topicId: string,
    cursor: SubscriberCursor | null,
    limit: number,
  ): Promise<SubscriberListing> {
    const subscribers: string[] = [];
    let offset = cursor?.offset ?? 0;
    for await (const { bucket, members } of this.buckets(tenantId, [topicId], cursor?.bucket ?? 0)) {
      const taken = members.slice(offset, offset + limit - subscribers.length);
      subscribers.push(...taken);
      if (subscribers.length === limit) {
        const end = offset + taken.length;
        if (end < members.length) return { subscribers, nextCursor: { bucket, offset: end } };
        return { subscribers, nextCursor: bucket + 1 < BUCKETS ? { bucket: bucket + 1, offset: 0 } : null };
      }
      offset = 0;
    }
    return { subscribers, nextCursor: null };
  }

  /**
   * One page of a broadcast's expansion: the subscribers of whole buckets from `fromBucket` on, across the
   * topics, each user once (a user is in the same bucket in every topic), until at least `wanted` are found.
   */
  async expansionPage(read: ExpansionRead): Promise<SubscriberPage> {
    const userIds: string[] = [];
    for await (const { bucket, members } of this.buckets(read.tenantId, read.topicIds, read.fromBucket)) {
      for (const userId of members) if (!read.exclude.has(userId)) userIds.push(userId);
      if (userIds.length >= read.wanted)
        return { userIds, nextBucket: bucket + 1 < BUCKETS ? bucket + 1 : null };
    }
    return { userIds, nextBucket: null };
  }

  /**
   * The buckets from `fromBucket` to the last, each with the union of its members across the topics. Read
   * in runs of consecutive buckets, one find each, the runs doubling: a caller that stops early has read at
   * most twice what it used.
   */
  private async *buckets(
    tenantId: string,
    topicIds: readonly string[],
    fromBucket: number,
  ): AsyncGenerator<Bucket> {
    let run = 1;
    for (
      let first = fromBucket;
      first < BUCKETS;
      first += run, run = Math.min(run * 2, MAX_BUCKETS_PER_READ)
    ) {
      const count = Math.min(run, BUCKETS - first);
      const docs = await this.read(
        topicIds.flatMap((topicId) =>
          Array.from({ length: count }, (_, i) => bucketId(tenantId, topicId, first + i)),
        ),
      );
      const unions = new Map<number, Set<string>>();
      for (const doc of docs) {
        const union = unions.get(doc.bucket) ?? new Set<string>();
        for (const member of doc.members) union.add(member);
        unions.set(doc.bucket, union);
      }
      for (let bucket = first; bucket < first + count; bucket++) {
        yield { bucket, members: [...(unions.get(bucket) ?? [])].sort() };
      }
    }
  }

  /**
   * The users whose membership would change, by bucket: those for which `changes(isMember)` holds, each
   * once. Reads the buckets the users fall in, in one find.
   */
  private async changes(
    tenantId: string,
    topicId: string,
    userIds: readonly string[],
    changes: (isMember: boolean) => boolean,
  ): Promise<Map<number, string[]>> {
    const byBucket = groupByBucket([...new Set(userIds)]);
    if (byBucket.size === 0) return byBucket;
    const docs = await this.read([...byBucket.keys()].map((bucket) => bucketId(tenantId, topicId, bucket)));
    const members = new Map(docs.map((doc) => [doc.bucket, new Set(doc.members)]));
    const changed = new Map<number, string[]>();
    for (const [bucket, users] of byBucket) {
      const current = members.get(bucket);
      const moving = users.filter((userId) => changes(current?.has(userId) ?? false));
      if (moving.length > 0) changed.set(bucket, moving);
    }
    return changed;
  }

  /** The bucket documents among `ids` that exist, in one find by _id. */
  private async read(ids: string[]): Promise<Array<Pick<SubscriberBucketDoc, 'bucket' | 'members'>>> {
    // The limit lets the server close the cursor with its first batch: no getMore, no killCursors.
    return this.collection
      .find(
        { _id: { $in: ids } },
        { projection: { _id: 0, bucket: 1, members: 1 }, limit: ids.length, batchSize: ids.length },
      )
      .toArray();
  }

  /** One update per changed bucket, all in one unordered bulk write; returns how many users changed. */
  private async apply(
    changes: ReadonlyMap<number, string[]>,
    update: (bucket: number, userIds: string[]) => AnyBulkWriteOperation<SubscriberBucketDoc>,
  ): Promise<number> {
    if (changes.size === 0) return 0;
    await this.collection.bulkWrite(
      [...changes].map(([bucket, userIds]) => update(bucket, userIds)),
      { ordered: false },
    );
    let changed = 0;
    for (const userIds of changes.values()) changed += userIds.length;
    return changed;
  }
}
