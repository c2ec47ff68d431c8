import { randomUUID } from 'node:crypto';
import type { Collection, Db, UpdateFilter } from 'mongodb';
import { Collections, type IdempotencyDoc } from './documents.js';
import { insertOnce } from './insert-once.js';
import { MongoLeases } from './leases/mongo-leases.js';
import { isDuplicateKeyError } from './mongo-errors.js';

/**
 * `claimed`: the caller owns the key under this claim id and must complete (or release) it with that id.
 * 'in-flight': another caller owns it right now. 'mismatch': the key was used for a different request.
 * `existing`: the request was already completed with this response.
 */
export type ClaimResult<R> = { claimed: string } | 'in-flight' | 'mismatch' | { existing: R };

/** A key's document as an earlier request left it. */
export type KeyHolder<R> =
  | { state: 'in-flight'; requestHash: string }
  | { state: 'completed'; requestHash: string; response: R };

/**
 * What recordCompleted did with one key: 'recorded' it; found it `held` by an earlier request; or found
 * it 'contested' (expired, claimed by an owner whose lease has passed, or gone in between), which only
 * claim() settles.
 */
export type RecordedKey<R> = 'recorded' | 'contested' | { held: KeyHolder<R> };

/**
 * What claimMany did with one key: `claimed` it under this claim id; found it `held` by an earlier request;
 * or found it 'contested' (expired, claimed by an owner whose lease has passed, or gone in between), which
 * only claim() settles.
 */
export type ClaimedKey<R> = { claimed: string } | 'contested' | { held: KeyHolder<R> };

/** A key to claim for a request. */
export interface KeyClaim {
  tenantId: string;
  key: string;
  requestHash: string;
}

/** A claim on a key, as claim() or claimMany() granted it. */
export interface HeldClaim {
  tenantId: string;
  key: string;
  claimId: string;
}

/** A claimed request's response, to record for its key. */
export interface ClaimCompletion<R> extends HeldClaim {
  response: R;
}

/** A request already accepted, whose key is recorded completed at once. */
export interface CompletedKey<R> {
  tenantId: string;
  key: string;
  requestHash: string;
  response: R;
}

/** The claim being completed no longer holds its key: it was taken over, or the key expired. */
export class IdempotencyClaimLostError extends Error {
  constructor(tenantId: string, key: string) {
    super(`idempotency key ${key} of tenant ${tenantId} is no longer held by this claim`);
    this.name = 'IdempotencyClaimLostError';
  }
}

export interface IdempotencyRepositoryOptions {
  /** How long a claim stays exclusive before another caller may take it over (its owner may have died). */
  leaseMs?: number;
  /** How long a key is remembered. */
  retentionMs?: number;
  now?: () => number;
}

const DEFAULT_LEASE_MS = 30_000; // 30 s
const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000; // 24 h
const MAX_CLAIM_RACES = 5;

/**
 * One document per (tenant, key): a claim while its request is in flight, the response once completed.
 * A request whose outputs go out in the same Kafka transaction as its input's offset needs no claim:
 * recordCompleted writes its documents completed at once.
 */
export class IdempotencyRepository<R = unknown> {
  private readonly collection: Collection<IdempotencyDoc<R>>;
  private readonly leases: MongoLeases;
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(db: Db, options: IdempotencyRepositoryOptions = {}) {
    this.collection = db.collection<IdempotencyDoc<R>>(Collections.idempotency);
    this.leases = MongoLeases.in(db);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * One insert when the key is free (the claim's first lease generation); a find when not, and to take
   * over an abandoned key, a lease on its next generation and a replace.
   */
  async claim(tenantId: string, key: string, requestHash: string): Promise<ClaimResult<R>> {
    const id = docId(tenantId, key);
    for (let attempt = 1; attempt <= MAX_CLAIM_RACES; attempt++) {
      const now = this.now();
      const fresh = this.newDoc(tenantId, key, requestHash, now);
      try {
        await this.collection.insertOne({ ...fresh });
        return { claimed: fresh.claimId };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const existing = await this.collection.findOne({ _id: id });
      if (!existing) continue; // expired and swept in between
      if (!this.abandoned(existing, requestHash, now)) {
        const holder = holderOf(existing);
        if (holder.requestHash !== requestHash) return 'mismatch';
        return holder.state === 'completed' ? { existing: holder.response } : 'in-flight';
      }
      const earlier = await this.separateCompletion(existing, now);
      if (earlier) return { existing: earlier };
      // Of all the callers that found this claim abandoned, the one that takes the next lease takes it over;
      // the replace (still matching the abandoned claim) loses only to its late owner completing it.
      const [lease] = await this.leases.take([{ key: leaseKey(id), after: existing.generation ?? 1 }], fresh.claimId, new Date(now), this.leaseMs);
      if (!lease) continue; // taken over by another caller: the next read tells by whom
      const res = await this.collection.replaceOne({ _id: id, claimId: existing.claimId }, { ...fresh, generation: lease.generation });
      if (res.matchedCount === 1) return { claimed: fresh.claimId };
      await this.leases.release([lease], fresh.claimId);
    }
    return 'in-flight';
  }

  /**
   * Records the response to replay to duplicates, in the claim's own document, if the claim still holds
   * the key (also after its lease has passed, as long as nobody took it over). One update.
   */
  async complete(tenantId: string, key: string, claimId: string, response: R): Promise<void> {
    const update = this.completion(response, this.now());
    const res = await this.collection.updateOne({ _id: docId(tenantId, key), claimId }, update);
    if (res.matchedCount === 0) throw new IdempotencyClaimLostError(tenantId, key);
  }

  /** Gives up an in-flight claim (the request failed), so that a retry can claim the key at once. */
  async release(tenantId: string, key: string, claimId: string): Promise<void> {
    await this.collection.deleteOne({ _id: docId(tenantId, key), claimId, state: 'in-flight' });
  }

  /**
   * Claims keys for several requests in one unordered insert; keys already present are looked up in one
   * find. Answers per entry, in order. Entries should name distinct keys: a repeat finds the first one's
   * claim. A key that could be taken over is left 'contested', for claim() to settle (one request at a time).
   */
  async claimMany(entries: readonly KeyClaim[]): Promise<ClaimedKey<R>[]> {
    if (entries.length === 0) return [];
    const now = this.now();
    const docs = entries.map((e) => this.newDoc(e.tenantId, e.key, e.requestHash, now));
    const inserted = await insertOnce(this.collection, docs);
    const found = await this.findRefused(docs, inserted);
    return docs.map((doc, i): ClaimedKey<R> => {
      if (inserted[i]) return { claimed: doc.claimId };
      const existing = found.get(doc._id);
      if (!existing || this.takeable(existing, now)) return 'contested';
      return { held: holderOf(existing) };
    });
  }

  /**
   * Completes claims like complete(), all in one unordered write. Answers per entry, in order, whether its
   * claim still held the key (false: taken over, or expired and removed); finding out which did not takes
   * one find more, only when some did not.
   */
  async completeMany(entries: readonly ClaimCompletion<R>[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const now = this.now();
    const res = await this.collection.bulkWrite(
      entries.map((e) => ({
        updateOne: {
          filter: { _id: docId(e.tenantId, e.key), claimId: e.claimId },
          update: this.completion(e.response, now),
        },
      })),
      { ordered: false },
    );
    if (res.matchedCount === entries.length) return entries.map(() => true);
    const ids = entries.map((e) => docId(e.tenantId, e.key));
    const holders = await this.collection
      .find({ _id: { $in: ids } }, { projection: { claimId: 1 } })
      .toArray();
    const claimIds = new Map(holders.map((d) => [d._id, d.claimId]));
    return entries.map((e, i) => claimIds.get(ids[i]!) === e.claimId);
  }

  /** Gives up several in-flight claims, like release(), in one delete. */
  async releaseMany(claims: readonly HeldClaim[]): Promise<void> {
    if (claims.length === 0) return;
    // Claim ids are random and only ever written into the document of the key they were made for, so
    // matching ids and claim ids as two sets deletes exactly these claims.
    await this.collection.deleteMany({
      _id: { $in: claims.map((c) => docId(c.tenantId, c.key)) },
      claimId: { $in: claims.map((c) => c.claimId) },
      state: 'in-flight',
    });
  }

  /**
   * Records requests as completed in one unordered insert; keys already present are looked up in one
   * find. Answers per entry, in order. A claim() of such a key is answered with its response, so these
   * and claimed requests deduplicate against each other. Entries should name distinct keys: a repeat
   * finds the first one's document.
   */
  async recordCompleted(entries: readonly CompletedKey<R>[]): Promise<RecordedKey<R>[]> {
    if (entries.length === 0) return [];
    const now = this.now();
    const docs = entries.map((e) => {
      const doc = this.newDoc(e.tenantId, e.key, e.requestHash, now);
      return { ...doc, state: 'completed' as const, response: e.response, completedAt: doc.createdAt };
    });
    const inserted = await insertOnce(this.collection, docs);
    const found = await this.findRefused(docs, inserted);
    return entries.map((entry, i): RecordedKey<R> => {
      if (inserted[i]) return 'recorded';
      const existing = found.get(docs[i]!._id);
      if (!existing || this.abandoned(existing, entry.requestHash, now)) return 'contested';
      return { held: holderOf(existing) };
    });
  }

  /**
   * Keys completed before the response moved into the claim's own document kept their claim in-flight and
   * the response in a document of its own (`<id>\u0000completed`, same claim id): such a key is completed,
   * not abandoned, until it expires.
   */
  private async separateCompletion(claim: IdempotencyDoc<R>, now: number): Promise<R | undefined> {
    if (claim.state !== 'in-flight' || claim.expiresAt.getTime() <= now) return undefined;
    const completion = await this.collection.findOne({ _id: `${claim._id}\u0000completed` });
    if (!completion || completion.claimId !== claim.claimId || completion.expiresAt.getTime() <= now) return undefined;
    return completion.response as R;
  }

  /** The documents of the keys an insert refused, in one find (none when every document went in). */
  private async findRefused(
    docs: readonly IdempotencyDoc<R>[],
    inserted: readonly boolean[],
  ): Promise<Map<string, IdempotencyDoc<R>>> {
    const refused = docs.filter((_, i) => !inserted[i]).map((d) => d._id);
    const found = new Map<string, IdempotencyDoc<R>>();
    if (refused.length === 0) return found;
    for (const doc of await this.collection.find({ _id: { $in: refused } }).toArray())
      found.set(doc._id, doc);
    return found;
  }

  private completion(response: R, now: number): UpdateFilter<IdempotencyDoc<R>> {
    return {
      $set: {
        state: 'completed',
        response,
        completedAt: new Date(now),
        expiresAt: new Date(now + this.retentionMs),
      },
    } as UpdateFilter<IdempotencyDoc<R>>;
  }

  /**
   * Abandoned for some request: expired, or in flight past its lease. Which request may take it over (and
   * whether a completion recorded the earlier way answers it instead) is claim()'s to decide.
   */
  private takeable(doc: IdempotencyDoc<R>, now: number): boolean {
    if (doc.expiresAt.getTime() <= now) return true;
    return doc.state === 'in-flight' && doc.leaseUntil.getTime() <= now;
  }

  /**
   * Expired (not yet removed by the TTL monitor or sweeper), or claimed for the same request by an owner
   * who let its lease pass: a new claim may replace it.
   */
  private abandoned(doc: IdempotencyDoc<R>, requestHash: string, now: number): boolean {
    if (doc.expiresAt.getTime() <= now) return true;
    return doc.state === 'in-flight' && doc.requestHash === requestHash && doc.leaseUntil.getTime() <= now;
  }

  private newDoc(tenantId: string, key: string, requestHash: string, now: number): IdempotencyDoc<R> {
    return {
      _id: docId(tenantId, key),
      tenantId,
      key,
      requestHash,
      state: 'in-flight',
      claimId: randomUUID(),
      generation: 1,
      response: null,
      leaseUntil: new Date(now + this.leaseMs),
      createdAt: new Date(now),
      completedAt: null,
      expiresAt: new Date(now + this.retentionMs),
    };
  }
}

function holderOf<R>(doc: IdempotencyDoc<R>): KeyHolder<R> {
  return doc.state === 'completed'
    ? { state: 'completed', requestHash: doc.requestHash, response: doc.response as R }
    : { state: 'in-flight', requestHash: doc.requestHash };
}

function leaseKey(id: string): string {
  return `idempotency:${id}`;
}

function docId(tenantId: string, key: string): string {
  return `${encodeURIComponent(tenantId)}:${key}`;
}
