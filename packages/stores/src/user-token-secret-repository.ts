import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { Collections, type UserTokenSecretDoc, type UserTokenSigningKey } from './documents.js';
import { insertOnce } from './insert-once.js';

const KID_BYTES = 8; // 16 hex characters
const SECRET_BYTES = 32; // 256 bits, 43 base64url characters
const MAX_CACHED_TENANTS = 10_000;
const MAX_ROTATION_ATTEMPTS = 5; // against rotations racing on other replicas

export interface UserTokenSecretRepositoryOptions {
  now?: () => number;
  /**
   * How long a tenant's verification keys, once read, are reused (milliseconds). A token naming a key not
   * among them is read again at once, so a rotation elsewhere never refuses new tokens; a key retired
   * with `dropPrevious` still verifies here at most this long. 0 reads for every token.
   */
  verifyCacheMs?: number;
}

/**
 * Per-tenant keys signing end-user tokens (`user_token_secrets`, one document per tenant by _id). The
 * key is created on the tenant's first token by an insert that only one writer can win, then read back,
 * so concurrent first uses on any number of replicas sign with the same key.
 */
export class UserTokenSecretRepository {
  private readonly collection: Collection<UserTokenSecretDoc>;
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly cached = new Map<string, { keys: UserTokenSigningKey[]; until: number }>();

  constructor(db: Db, options: UserTokenSecretRepositoryOptions = {}) {
    this.collection = db.collection<UserTokenSecretDoc>(Collections.userTokenSecrets);
    this.now = options.now ?? Date.now;
    this.cacheMs = options.verifyCacheMs ?? 0;
  }

  /** The key new tokens of the tenant are signed with; created on first use. Never cached. */
  async signingKey(tenantId: string): Promise<UserTokenSigningKey> {
    const doc = (await this.collection.findOne({ _id: tenantId })) ?? (await this.create(tenantId));
    return doc.current;
  }

  /**
   * The keys that verify the tenant's tokens, current first; null when the tenant has none (it never
   * issued a token). Cached for `verifyCacheMs`, except that a `kid` not among the cached keys reads again.
   */
  async verificationKeys(tenantId: string, kid?: string): Promise<UserTokenSigningKey[] | null> {
    const now = this.now();
    const hit = this.cached.get(tenantId);
    if (hit && hit.until > now && (kid === undefined || hit.keys.some((k) => k.kid === kid))) return hit.keys;
    const doc = await this.collection.findOne({ _id: tenantId });
    if (!doc) return null; // not remembered: a tenant issuing its first token is verified at once
    const keys = doc.previous ? [doc.current, doc.previous] : [doc.current];
    if (this.cacheMs > 0) {
      if (this.cached.size >= MAX_CACHED_TENANTS) this.cached.clear();
      this.cached.set(tenantId, { keys, until: now + this.cacheMs });
    }
    return keys;
  }

  /**
   * Replaces the tenant's signing key and returns the new one. The replaced key keeps verifying the
   * tokens it signed (until the next rotation) unless `dropPrevious`, which refuses them everywhere
   * within `verifyCacheMs` (for a leaked key).
   */
  async rotate(tenantId: string, options: { dropPrevious?: boolean } = {}): Promise<UserTokenSigningKey> {
    this.cached.delete(tenantId);
    for (let attempt = 0; attempt < MAX_ROTATION_ATTEMPTS; attempt++) {
      const fresh = this.newKey();
      const doc = await this.collection.findOne({ _id: tenantId });
      if (!doc) {
        const [inserted] = await insertOnce(this.collection, [{ _id: tenantId, current: fresh, createdAt: fresh.createdAt }]);
        if (inserted) return fresh;
        continue; // created meanwhile: rotate that one
      }
      // Compare-and-set on the key being replaced: of two racing rotations one wins, the other retries.
      const res = await this.collection.updateOne(
        { _id: tenantId, 'current.kid': doc.current.kid },
        options.dropPrevious
          ? { $set: { current: fresh, rotatedAt: fresh.createdAt }, $unset: { previous: '' } }
          : { $set: { current: fresh, previous: doc.current, rotatedAt: fresh.createdAt } },
      );
      if (res.matchedCount === 1) return fresh;
    }
    throw new Error(`user token key of tenant ${tenantId} kept changing during rotation`);
  }

  private async create(tenantId: string): Promise<UserTokenSecretDoc> {
    const key = this.newKey();
    // Only one of concurrent first uses inserts (the _id is the tenant); every one reads back the winner.
    await insertOnce(this.collection, [{ _id: tenantId, current: key, createdAt: key.createdAt }]);
    const doc = await this.collection.findOne({ _id: tenantId });
    if (!doc) throw new Error(`user token key of tenant ${tenantId} not found right after it was created`);
    return doc;
  }

  private newKey(): UserTokenSigningKey {
    return {
      kid: randomBytes(KID_BYTES).toString('hex'),
      secret: randomBytes(SECRET_BYTES).toString('base64url'),
      createdAt: new Date(this.now()),
    };
  }
}
