import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { Collections, type IdempotencyDoc } from './documents.js';
import { isDuplicateKeyError } from './mongo-errors.js';

/**
 * 'claimed': the caller owns the key and must complete (or release) it. 'in-flight': another caller
 * owns it right now. 'mismatch': the key was used for a different request. `existing`: the request
 * was already completed with this response.
 */
export type ClaimResult<R> = 'claimed' | 'in-flight' | 'mismatch' | { existing: R };

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
const MAX_TAKEOVER_ROUNDS = 5;

export class IdempotencyRepository<R = unknown> {
  private readonly collection: Collection<IdempotencyDoc<R>>;
  private readonly leaseMs: number;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(db: Db, options: IdempotencyRepositoryOptions = {}) {
    this.collection = db.collection<IdempotencyDoc<R>>(Collections.idempotency);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.now = options.now ?? Date.now;
  }

  async claim(tenantId: string, key: string, requestHash: string): Promise<ClaimResult<R>> {
    const id = docId(tenantId, key);
    for (let attempt = 1; attempt <= MAX_CLAIM_RACES; attempt++) {
      const now = this.now();
      const fresh = this.freshClaim(tenantId, key, requestHash, now);
      try {
        await this.collection.insertOne({ ...fresh });
        return 'claimed';
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const existing = await this.collection.findOne({ _id: id });
      if (!existing) continue; // expired and swept in between
      const expired = existing.expiresAt.getTime() <= now; // not yet removed by the TTL monitor or sweeper
      if (!expired) {
        if (existing.requestHash !== requestHash) return 'mismatch';
        if (existing.state === 'completed') return { existing: existing.response as R };
        const completion = await this.completionOf(existing);
        if (completion) return { existing: completion.response as R };
        if (existing.leaseUntil.getTime() > now) return 'in-flight';
      }
      // Expired key, or a claim whose owner let its lease pass: one contender may replace it.
      if (!(await this.winTakeover(existing, fresh, now))) return 'in-flight';
      const res = await this.collection.replaceOne({ _id: id }, fresh);
      if (res.matchedCount === 1) return 'claimed';
      // Swept in between: race for the key through the plain insert again.
    }
    return 'in-flight';
  }

  /**
   * Records the response to replay to duplicates, as a document of its own next to the claim: an insert
   * costs the same whatever the collection's size, where an update of the claim may not (FerretDB's
   * SQLite backend scans for updates and deletes).
   */
  async complete(tenantId: string, key: string, response: R): Promise<void> {
    const id = docId(tenantId, key);
    const claim = await this.collection.findOne({ _id: id });
    if (!claim) throw new Error(`idempotency key ${key} of tenant ${tenantId} has no claim to complete`);
    const now = this.now();
    const completion: IdempotencyDoc<R> = {
      ...claim,
      _id: completionId(id),
      state: 'completed',
      response,
      completedAt: new Date(now),
      expiresAt: new Date(now + this.retentionMs),
    };
    try {
      await this.collection.insertOne({ ...completion });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Left behind by an earlier, expired claim of the same key and not yet swept: this claim's replaces it.
      const earlier = await this.collection.findOne({ _id: completion._id });
      if (earlier && earlier.claimId !== claim.claimId) await this.collection.replaceOne({ _id: completion._id }, completion);
    }
  }

  /**
   * Contenders for an abandoned claim race to insert a token named after that very claim; the single
   * winner replaces it. Conditional updates and deletes would be simpler, but FerretDB 1.x does not apply
   * them atomically. A winner that dies before its replace leaves its token behind: once the token's own
   * lease has passed, the race moves on to a token named after that one, so a key is never stuck.
   */
  private async winTakeover(abandoned: IdempotencyDoc<R>, fresh: IdempotencyDoc<R>, now: number): Promise<boolean> {
    let token = `${abandoned._id}\u0000takeover:${abandoned.claimId}`;
    for (let round = 1; round <= MAX_TAKEOVER_ROUNDS; round++) {
      try {
        await this.collection.insertOne({ ...fresh, _id: token, key: `${fresh.key} (takeover token)` });
        return true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const holder = await this.collection.findOne({ _id: token });
      if (!holder) continue; // swept in between: race for the same token again
      if (holder.leaseUntil.getTime() > now) return false; // another caller is taking over right now
      token = `${token}:${holder.claimId}`;
    }
    return false;
  }

  /** Gives up an in-flight claim (the request failed), so that a retry can claim the key at once. */
  async release(tenantId: string, key: string): Promise<void> {
    const id = docId(tenantId, key);
    const claim = await this.collection.findOne({ _id: id, state: 'in-flight' });
    if (!claim || (await this.completionOf(claim))) return; // a completed request keeps its key
    await this.collection.deleteOne({ _id: id, claimId: claim.claimId });
  }

  /** The completion of this very claim (not of an earlier claim of the same key), if there is one. */
  private async completionOf(claim: IdempotencyDoc<R>): Promise<IdempotencyDoc<R> | null> {
    const completion = await this.collection.findOne({ _id: completionId(claim._id) });
    return completion && completion.claimId === claim.claimId && completion.expiresAt.getTime() > this.now() ? completion : null;
  }

  private freshClaim(tenantId: string, key: string, requestHash: string, now: number): IdempotencyDoc<R> {
    return {
      _id: docId(tenantId, key),
      tenantId,
      key,
      requestHash,
      state: 'in-flight',
      claimId: randomUUID(),
      response: null,
      leaseUntil: new Date(now + this.leaseMs),
      createdAt: new Date(now),
      completedAt: null,
      expiresAt: new Date(now + this.retentionMs),
    };
  }
}

function docId(tenantId: string, key: string): string {
  return `${encodeURIComponent(tenantId)}:${key}`;
}

function completionId(claimId: string): string {
  return `${claimId}\u0000completed`;
}
