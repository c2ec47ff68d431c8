import type { Collection, Db } from 'mongodb';
import { Collections, type PreferencesDoc } from './documents.js';
import { isDuplicateKeyError } from './mongo-errors.js';

export type PreferencesInput = Omit<PreferencesDoc, 'updatedAt'>;

export class PreferencesRepository {
  private readonly collection: Collection<PreferencesDoc>;
  private readonly now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.collection = db.collection<PreferencesDoc>(Collections.preferences);
    this.now = options.now ?? Date.now;
  }

  async get(tenantId: string, userId: string): Promise<PreferencesDoc | null> {
    return (await this.collection.findOne(
      { tenantId, userId },
      { projection: { _id: 0 } },
    )) as PreferencesDoc | null;
  }

  /** Preferences by user id in one query; users without a document are absent (everything opted in). */
  async getMany(tenantId: string, userIds: readonly string[]): Promise<Map<string, PreferencesDoc>> {
    const distinct = [...new Set(userIds)];
    if (distinct.length === 0) return new Map();
    const docs = await this.collection
      .find({ tenantId, userId: { $in: distinct } }, { projection: { _id: 0 } })
      .toArray();
    return new Map(docs.map((d) => [d.userId, d as PreferencesDoc]));
  }

  /** Creates or replaces the user's preferences. */
  async upsert(input: PreferencesInput): Promise<void> {
    const doc: PreferencesDoc = { ...input, updatedAt: new Date(this.now()) };
    const filter = { tenantId: input.tenantId, userId: input.userId };
    try {
      await this.collection.replaceOne(filter, doc, { upsert: true });
    } catch (err) {
      // Two first writes raced on the unique index: the document exists now, so replace it.
      if (!isDuplicateKeyError(err)) throw err;
      await this.collection.replaceOne(filter, doc);
    }
  }
}
