import type { Collection, Db } from 'mongodb';
import { Collections } from '../documents.js';
import { insertOnce } from '../insert-once.js';

/** One generation of the lease on a key. Its _id, `<key>#<generation>`, is what makes it exclusive. */
export interface LeaseDoc {
  _id: string;
  key: string;
  generation: number;
  owner: string;
  until: Date;
  /** Removed after this instant (TTL index or sweeper), well after the lease itself has run out. */
  expiresAt: Date;
}

/** A key to lease, and the latest generation of its lease the caller has seen taken (0: none). */
export interface LeaseRequest {
  key: string;
  after: number;
}

/** A lease this caller now holds. */
export interface TakenLease {
  key: string;
  generation: number;
  owner: string;
  until: Date;
}

const RETAIN_AFTER_LEASE_MS = 24 * 60 * 60 * 1000; // a day: far longer than any caller's knowledge can lag
const MAX_ROUNDS = 8;

function leaseId(key: string, generation: number): string {
  return `${key}#${generation}`;
}

/**
 * Exclusive, expiring claims on keys, held in MongoDB: the one claim primitive of the durable stores.
 *
 * A claim must hold without transactions and on FerretDB 1.x, whose findOneAndUpdate and conditional
 * updates are read-modify-write (two callers can both "win" the same document). The one write every
 * MongoDB-wire server makes atomic is an insert against the unique _id, so taking a lease is inserting
 * the document of its next generation: of the callers that try the same generation, exactly one inserts
 * it. A lease is never extended or handed over; once it has run out, the next generation can be taken.
 *
 * Callers keep the generation they took next to their own data (a mirror, written after the take): the
 * next caller then tries the generation after it. A mirror can lag (a taker died before writing it):
 * a refused generation whose lease has run out is then skipped. Every lookup is by _id.
 */
export class MongoLeases {
  constructor(private readonly collection: Collection<LeaseDoc>) {}

  /** The leases collection of `db` (or a test's own, by name). */
  static in(db: Db, collection: string = Collections.leases): MongoLeases {
    return new MongoLeases(db.collection<LeaseDoc>(collection));
  }

  /**
   * Takes, for `owner` from `now` for `leaseMs`, a generation after `after` of each requested key that
   * nobody else holds; answers the leases held (a lease `owner` already holds keeps its own end). Requests
   * should name distinct keys.
   */
  async take(requests: readonly LeaseRequest[], owner: string, now: Date, leaseMs: number): Promise<TakenLease[]> {
    const until = new Date(now.getTime() + leaseMs);
    const expiresAt = new Date(until.getTime() + RETAIN_AFTER_LEASE_MS);
    const taken: TakenLease[] = [];
    let pending = requests.map((r) => ({ key: r.key, generation: r.after + 1 }));
    for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
      const docs: LeaseDoc[] = pending.map(({ key, generation }) => ({ _id: leaseId(key, generation), key, generation, owner, until, expiresAt }));
      const inserted = await insertOnce(this.collection, docs);
      const refused = docs.filter((_, i) => !inserted[i]);
      for (const [i, doc] of docs.entries()) if (inserted[i]) taken.push({ key: doc.key, generation: doc.generation, owner, until });
      if (refused.length === 0) break;
      const holders = await this.collection
        .find({ _id: { $in: refused.map((d) => d._id) } }, { limit: refused.length, batchSize: refused.length })
        .toArray();
      const byId = new Map(holders.map((h) => [h._id, h]));
      pending = [];
      for (const attempt of refused) {
        const holder = byId.get(attempt._id);
        if (!holder) pending.push({ key: attempt.key, generation: attempt.generation }); // removed in between
        else if (holder.until.getTime() <= now.getTime()) pending.push({ key: attempt.key, generation: attempt.generation + 1 });
        else if (holder.owner === owner) taken.push({ key: holder.key, generation: holder.generation, owner, until: holder.until });
      }
    }
    return taken;
  }

  /** Gives up leases before they run out, so that the next generation can be taken at once. */
  async release(leases: readonly Pick<TakenLease, 'key' | 'generation'>[], owner: string): Promise<void> {
    if (leases.length === 0) return;
    await this.collection.deleteMany({ _id: { $in: leases.map((l) => leaseId(l.key, l.generation)) }, owner });
  }
}
