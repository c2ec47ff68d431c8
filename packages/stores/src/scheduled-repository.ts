import type { Collection, Db } from 'mongodb';
import { Collections, type ScheduledDoc } from './documents.js';
import { decodeHeaderFields, encodeHeaderFields } from './header-field-names.js';
import { ensureCollectionIndexes } from './indexes.js';
import { refusedDuplicates } from './insert-once.js';
import { MongoLeases } from './leases/mongo-leases.js';

/** What the filter knows when it defers a notification. */
export type NewScheduledDoc = Pick<
  ScheduledDoc,
  '_id' | 'tenantId' | 'dueAt' | 'payload' | 'key' | 'headers' | 'reason'
> & {
  createdAt?: Date;
};

/**
 * - scheduled: first deferral of this notification.
 * - rescheduled: it was deferred before to an earlier instant (it came back due and must wait again,
 *   e.g. a scheduled send that lands in quiet hours), so the document is armed again for the new instant.
 * - duplicate: the same or a later deferral is already stored (a redelivered record); nothing changed.
 */
export type ScheduleOutcome = 'scheduled' | 'rescheduled' | 'duplicate';

export interface ScheduledRepositoryOptions {
  /** Collection of ScheduledDoc, for a test's own; its claims (leases) then go to `<collection>_leases`. */
  collection?: string;
}

/**
 * The durable store of deferred notifications (`scheduled_notifications`), shared by every replica.
 * A replica claims due documents with a lease (MongoLeases); the lease fields of the ScheduledDoc mirror
 * the latest lease so that pollers skip leased documents cheaply, but exclusivity never depends on them.
 */
export class ScheduledRepository {
  private readonly docs: Collection<ScheduledDoc>;
  private readonly leases: MongoLeases;

  constructor(db: Db, options: ScheduledRepositoryOptions = {}) {
    const { collection } = options;
    // promoteBuffers: payloads come back as Buffer, as ScheduledDoc declares, not as BSON Binary.
    this.docs = db.collection<ScheduledDoc>(collection ?? Collections.scheduled, { promoteBuffers: true });
    this.leases = MongoLeases.in(db, collection === undefined ? Collections.leases : `${collection}_leases`);
  }

  /** Idempotent; run at start-up. */
  async ensureIndexes(): Promise<void> {
    await ensureCollectionIndexes(this.docs, Collections.scheduled);
  }

  async schedule(doc: NewScheduledDoc): Promise<ScheduleOutcome> {
    const [outcome] = await this.scheduleMany([doc]);
    return outcome!;
  }

  /** `schedule` for a batch: one insert for all, then one update per notification already stored. */
  async scheduleMany(docs: readonly NewScheduledDoc[]): Promise<ScheduleOutcome[]> {
    if (docs.length === 0) return [];
    const fresh: ScheduledDoc[] = docs.map((d) => ({
      _id: d._id,
      tenantId: d.tenantId,
      dueAt: d.dueAt,
      payload: d.payload,
      key: d.key,
      headers: encodeHeaderFields(d.headers),
      reason: d.reason,
      state: 'pending',
      leaseOwner: null,
      leaseUntil: null,
      createdAt: d.createdAt ?? new Date(),
    }));
    let existing = new Set<number>();
    try {
      await this.docs.insertMany(fresh, { ordered: false });
    } catch (err) {
      existing = refusedDuplicates(err, fresh.length);
    }
    const outcomes: ScheduleOutcome[] = [];
    for (const [i, doc] of fresh.entries()) {
      if (!existing.has(i)) {
        outcomes.push('scheduled');
        continue;
      }
      // Only a later instant re-arms: a redelivery of the original deferral carries the same dueAt.
      // Clearing leaseOwner also keeps a replica still emitting the earlier deferral from marking this one emitted.
      const { _id, createdAt: _createdAt, ...fields } = doc;
      const moved = await this.docs.updateOne({ _id, dueAt: { $lt: doc.dueAt } }, { $set: fields });
      outcomes.push(moved.matchedCount > 0 ? 'rescheduled' : 'duplicate');
    }
    return outcomes;
  }

  /**
   * Claims up to `limit` pending documents due at `now`, oldest first, for `leaseMs`. A document whose
   * lease has expired (its owner died or its emit failed) is claimable again. Two claimers never hold
   * the same document at once; a claimer that loses every race gets fewer documents, possibly none.
   */
  async claimDue(now: Date, owner: string, leaseMs: number, limit: number): Promise<ScheduledDoc[]> {
    if (limit <= 0) return [];
    const candidates = await this.docs
      .find(
        {
          state: 'pending',
          dueAt: { $lte: now },
          $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }],
        },
        { projection: { _id: 1, leaseGeneration: 1 }, sort: { dueAt: 1, _id: 1 }, limit },
      )
      .toArray();
    if (candidates.length === 0) return [];

    const taken = await this.leases.take(
      candidates.map((c) => ({ key: leaseKey(c._id), after: c.leaseGeneration ?? 0 })),
      owner,
      now,
      leaseMs,
    );
    if (taken.length === 0) return [];
    const won = taken.map((l) => idOfLease(l.key));
    const until = taken[0]!.until;

    // A mirror never moves back: a slow taker of an earlier generation leaves a later one's mirror alone.
    await this.docs.bulkWrite(
      taken.map((l) => ({
        updateOne: {
          filter: { _id: idOfLease(l.key), $or: [{ leaseGeneration: { $exists: false } }, { leaseGeneration: { $lt: l.generation } }] },
          update: { $set: { leaseOwner: owner, leaseUntil: until, leaseGeneration: l.generation } },
        },
      })),
      { ordered: false },
    );
    // Re-read: a slow former owner may have marked one emitted since the candidates were listed.
    const claimed = await this.docs
      .find({ _id: { $in: won }, state: 'pending' }, { sort: { dueAt: 1, _id: 1 } })
      .toArray();
    return claimed.map(fromStored);
  }

  /**
   * Marks documents emitted by `owner`; returns how many were. A document another owner has claimed
   * since (this owner's lease ran out) or that was rescheduled meanwhile is left pending for its next
   * emission.
   */
  async markEmitted(ids: readonly string[], owner: string): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.docs.updateMany(
      { _id: { $in: [...ids] }, state: 'pending', leaseOwner: owner },
      { $set: { state: 'emitted' } },
    );
    return result.modifiedCount;
  }

  /**
   * Cancels pending documents: they are never emitted, unless a replica claimed one already (its emission
   * goes ahead, so a cancelled document's consumer must still expect it). Returns how many were cancelled.
   */
  async cancel(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.docs.updateMany({ _id: { $in: [...ids] }, state: 'pending' }, { $set: { state: 'cancelled' } });
    return result.modifiedCount;
  }

  async get(id: string): Promise<ScheduledDoc | null> {
    const doc = await this.docs.findOne({ _id: id });
    return doc && fromStored(doc);
  }

  /** Pending documents, due or not: the scheduler's backlog gauge. */
  async countPending(): Promise<number> {
    return this.docs.countDocuments({ state: 'pending' });
  }

  /**
   * Deletes emitted and cancelled documents due before `before` (their leases expire by themselves). Keep them at least
   * as long as the enriched topic's retention: a stored document is what makes a redelivered deferral a duplicate.
   */
  async purgeEmitted(before: Date, batchSize = 500): Promise<number> {
    let purged = 0;
    for (;;) {
      const batch = await this.docs
        .find({ state: { $in: ['emitted', 'cancelled'] }, dueAt: { $lt: before } }, { projection: { _id: 1 }, limit: batchSize })
        .toArray();
      if (batch.length === 0) return purged;
      const ids = batch.map((d) => d._id);
      const deleted = await this.docs.deleteMany({ _id: { $in: ids }, state: { $in: ['emitted', 'cancelled'] } });
      purged += deleted.deletedCount;
      if (batch.length < batchSize) return purged;
    }
  }
}

const LEASE_SCOPE = 'scheduled:';

function leaseKey(notificationId: string): string {
  return `${LEASE_SCOPE}${notificationId}`;
}

function idOfLease(key: string): string {
  return key.slice(LEASE_SCOPE.length);
}

function fromStored(doc: ScheduledDoc): ScheduledDoc {
  return { ...doc, headers: decodeHeaderFields(doc.headers ?? {}) };
}
