import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { Collections, type ApiKeyDoc } from './documents.js';

export interface ApiKeyInput {
  tenantId: string;
  scopes?: string[];
  rateLimitPerMinute?: number;
}

export interface CreatedApiKey {
  /** The full key `nk_<id>_<secret>`: shown once, never stored. */
  key: string;
  doc: ApiKeyDoc;
}

const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
const ID_BYTES = 8; // 16 hex characters
const SECRET_BYTES = 32; // 43 base64url characters
const KEY_PATTERN = /^nk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Splits `nk_<id>_<secret>`; null when the key is not of that form. */
export function parseApiKey(key: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface ApiKeyRepositoryOptions {
  now?: () => number;
  /**
   * How long a key's document read to verify a request is reused for the next requests with that key (the
   * secret is checked every time). A key revoked elsewhere is refused at the latest this long after; on
   * the replica that revokes it, at once. 0 reads the document for every request.
   */
  verifiedCacheMs?: number;
}

const MAX_CACHED_KEYS = 10_000;

export class ApiKeyRepository {
  private readonly collection: Collection<ApiKeyDoc>;
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly cached = new Map<string, { doc: ApiKeyDoc; until: number }>();

  constructor(db: Db, options: ApiKeyRepositoryOptions = {}) {
    this.collection = db.collection<ApiKeyDoc>(Collections.apiKeys);
    this.now = options.now ?? Date.now;
    this.cacheMs = options.verifiedCacheMs ?? 0;
  }

  /** Issues a key; only the SHA-256 of its secret is stored, so the returned key cannot be shown again. */
  async create(input: ApiKeyInput): Promise<CreatedApiKey> {
    const id = randomBytes(ID_BYTES).toString('hex');
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    const doc: ApiKeyDoc = {
      _id: id,
      tenantId: input.tenantId,
      secretHash: hashApiKeySecret(secret),
      rateLimitPerMinute: input.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
      scopes: input.scopes ?? [],
      createdAt: new Date(this.now()),
    };
    await this.collection.insertOne({ ...doc });
    return { key: `nk_${id}_${secret}`, doc };
  }

  /** The key's document when the presented key is well formed, known, unrevoked and its secret matches; else null. */
  async verify(presentedKey: string): Promise<ApiKeyDoc | null> {
    const parsed = parseApiKey(presentedKey);
    if (!parsed) return null;
    const doc = await this.document(parsed.id);
    if (!doc || doc.revokedAt) return null;
    const presented = Buffer.from(hashApiKeySecret(parsed.secret), 'hex');
    const stored = Buffer.from(doc.secretHash, 'hex');
    return stored.length === presented.length && timingSafeEqual(stored, presented) ? doc : null;
  }

  private async document(id: string): Promise<ApiKeyDoc | null> {
    const now = this.now();
    const hit = this.cached.get(id);
    if (hit && hit.until > now) return hit.doc;
    const doc = await this.collection.findOne({ _id: id });
    if (doc && this.cacheMs > 0) {
      if (this.cached.size >= MAX_CACHED_KEYS) this.cached.clear();
      this.cached.set(id, { doc, until: now + this.cacheMs });
    }
    return doc;
  }

  async get(id: string): Promise<ApiKeyDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  async listForTenant(tenantId: string): Promise<ApiKeyDoc[]> {
    return this.collection.find({ tenantId }).sort({ createdAt: 1 }).toArray();
  }

  /** Revokes the key; false when it does not exist or was already revoked. */
  async revoke(id: string): Promise<boolean> {
    this.cached.delete(id);
    const res = await this.collection.updateOne(
      { _id: id, revokedAt: { $exists: false } },
      { $set: { revokedAt: new Date(this.now()) } },
    );
    return res.modifiedCount === 1;
  }
}
