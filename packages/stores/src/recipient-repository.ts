import type { Db, Collection } from 'mongodb';
import type { Redis } from 'ioredis';
import type { DevicePlatform } from '@notify/schemas';
import { Collections, type RecipientDevice, type RecipientDoc } from './documents.js';
import { cacheKey } from './cache-key.js';
import { isDuplicateKeyError } from './mongo-errors.js';
import { ReadThroughCache, type ReadThroughCacheOptions } from './read-through-cache.js';

/** A recipient profile as written; device tokens and devices are each kept when omitted. */
export type RecipientInput = Omit<RecipientDoc, 'updatedAt' | 'deviceTokens' | 'devices'> & {
  deviceTokens?: string[];
  devices?: RecipientDevice[];
};

export interface RecipientRepositoryOptions {
  /** Read-through cache for get/getMany; writes invalidate it. */
  cache?: ReadThroughCache<RecipientDoc>;
  now?: () => number;
}

const OPTIONAL_CONTACTS = ['email', 'phone', 'webhookUrl'] as const;
const PUSH_LISTS = ['deviceTokens', 'devices'] as const;

/** A document as stored before devices existed, or as cached then, read as a current one. */
function withPushLists(doc: RecipientDoc): RecipientDoc {
  return { ...doc, deviceTokens: doc.deviceTokens ?? [], devices: doc.devices ?? [] };
}

/** The first device of each token, in order. */
function distinctDevices(devices: readonly RecipientDevice[]): RecipientDevice[] {
  const byToken = new Map<string, RecipientDevice>();
  for (const { token, platform } of devices) if (!byToken.has(token)) byToken.set(token, { token, platform });
  return [...byToken.values()];
}

/** A cache of recipient documents that revives their dates. */
export function createRecipientCache(
  redis: Redis,
  options: Partial<ReadThroughCacheOptions<RecipientDoc>> = {},
): ReadThroughCache<RecipientDoc> {
  return new ReadThroughCache<RecipientDoc>(redis, {
    prefix: 'notify:cache:recipient:',
    decode: (raw) => {
      const doc = JSON.parse(raw) as RecipientDoc;
      return withPushLists({ ...doc, updatedAt: new Date(doc.updatedAt) });
    },
    ...options,
  });
}

export class RecipientRepository {
  private readonly collection: Collection<RecipientDoc>;
  private readonly cache: ReadThroughCache<RecipientDoc> | undefined;
  private readonly now: () => number;

  constructor(db: Db, options: RecipientRepositoryOptions = {}) {
    this.collection = db.collection<RecipientDoc>(Collections.recipients);
    this.cache = options.cache;
    this.now = options.now ?? Date.now;
  }

  async get(tenantId: string, userId: string): Promise<RecipientDoc | null> {
    return (await this.getMany(tenantId, [userId])).get(userId) ?? null;
  }

  /** Recipients by user id, in one query (plus one MGET when cached); unknown ids are absent. */
  async getMany(tenantId: string, userIds: readonly string[]): Promise<Map<string, RecipientDoc>> {
    const distinct = [...new Set(userIds)];
    if (!this.cache) return this.load(tenantId, distinct);
    const userIdByKey = new Map(distinct.map((u) => [cacheKey(tenantId, u), u]));
    const byKey = await this.cache.getMany([...userIdByKey.keys()], async (missingKeys) => {
      const loaded = await this.load(
        tenantId,
        missingKeys.map((k) => userIdByKey.get(k) as string),
      );
      return new Map([...loaded].map(([u, doc]) => [cacheKey(tenantId, u), doc]));
    });
    const result = new Map<string, RecipientDoc>();
    for (const [key, u] of userIdByKey) {
      const doc = byKey.get(key);
      if (doc) result.set(u, doc);
    }
    return result;
  }

  /** Creates or replaces the profile; contact points left out are removed, push lists left out are kept. */
  async upsert(input: RecipientInput): Promise<void> {
    const { tenantId, userId, deviceTokens, devices, ...profile } = input;
    const set: Record<string, unknown> = { ...profile, updatedAt: new Date(this.now()) };
    const unset: Record<string, ''> = {};
    for (const field of OPTIONAL_CONTACTS) {
      if (profile[field] === undefined) {
        delete set[field];
        unset[field] = '';
      }
    }
    const update: Record<string, unknown> = { $set: set };
    if (Object.keys(unset).length > 0) update.$unset = unset;
    if (deviceTokens) set.deviceTokens = [...new Set(deviceTokens)];
    if (devices) set.devices = distinctDevices(devices);
    const inserted = await this.upsertRetryingRace(tenantId, userId, update);
    if (inserted) {
      for (const field of PUSH_LISTS) {
        if (input[field] !== undefined) continue;
        // Not $setOnInsert: FerretDB 1.x drops empty arrays given to it.
        await this.collection.updateOne(
          { tenantId, userId, [field]: { $exists: false } },
          { $set: { [field]: [] } },
        );
      }
    }
    await this.invalidate(tenantId, userId);
  }

  /**
   * Adds a push token once; false when the recipient does not exist. Without a platform it joins
   * `deviceTokens`; with one it joins `devices`, replacing a device that holds it under another platform.
   */
  async addDeviceToken(
    tenantId: string,
    userId: string,
    token: string,
    platform?: DevicePlatform,
  ): Promise<boolean> {
    const updatedAt = new Date(this.now());
    const found = platform
      ? await this.addDevice(tenantId, userId, { token, platform }, updatedAt)
      : await this.addToken(tenantId, userId, token, updatedAt);
    await this.invalidate(tenantId, userId);
    return found;
  }

  /**
   * Removes a push token from `deviceTokens` and `devices`, e.g. one the provider reported as
   * unregistered; false when the recipient does not exist.
   */
  async removeDeviceToken(tenantId: string, userId: string, token: string): Promise<boolean> {
    const res = await this.collection.updateOne(
      { tenantId, userId },
      { $pull: { deviceTokens: token, devices: { token } }, $set: { updatedAt: new Date(this.now()) } },
    );
    await this.invalidate(tenantId, userId);
    return res.matchedCount === 1;
  }

  private async addToken(tenantId: string, userId: string, token: string, updatedAt: Date): Promise<boolean> {
    const res = await this.collection.updateOne(
      { tenantId, userId },
      { $addToSet: { deviceTokens: token }, $set: { updatedAt } },
    );
    return res.matchedCount === 1;
  }

  private async addDevice(
    tenantId: string,
    userId: string,
    device: RecipientDevice,
    updatedAt: Date,
  ): Promise<boolean> {
    // Two writes: one update cannot both $pull from and $push to the same array.
    const res = await this.collection.updateOne(
      { tenantId, userId },
      {
        $pull: { devices: { token: { $eq: device.token }, platform: { $ne: device.platform } } },
        $set: { updatedAt },
      },
    );
    if (res.matchedCount === 0) return false;
    await this.collection.updateOne(
      { tenantId, userId, 'devices.token': { $ne: device.token } },
      { $push: { devices: { token: device.token, platform: device.platform } } },
    );
    return true;
  }

  private async load(tenantId: string, userIds: string[]): Promise<Map<string, RecipientDoc>> {
    if (userIds.length === 0) return new Map();
    const docs = await this.collection
      .find({ tenantId, userId: { $in: userIds } }, { projection: { _id: 0 } })
      .toArray();
    return new Map(docs.map((d) => [d.userId, withPushLists(d as RecipientDoc)]));
  }

  /** Returns whether the document was created. */
  private async upsertRetryingRace(
    tenantId: string,
    userId: string,
    update: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      const res = await this.collection.updateOne({ tenantId, userId }, update, { upsert: true });
      return res.upsertedCount === 1;
    } catch (err) {
      // Two first writes raced on the unique index: the document exists now, so update it.
      if (!isDuplicateKeyError(err)) throw err;
      await this.collection.updateOne({ tenantId, userId }, update);
      return false;
    }
  }

  private async invalidate(tenantId: string, userId: string): Promise<void> {
    await this.cache?.invalidate([cacheKey(tenantId, userId)]);
  }
}
