import type { Collection, Db } from 'mongodb';
import { Collections, type TenantDoc } from './documents.js';

export interface TenantInput {
  tenantId: string;
  name: string;
  defaultLocale: string;
}

export class TenantRepository {
  private readonly collection: Collection<TenantDoc>;
  private readonly now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.collection = db.collection<TenantDoc>(Collections.tenants);
    this.now = options.now ?? Date.now;
  }

  async get(tenantId: string): Promise<TenantDoc | null> {
    return this.collection.findOne({ _id: tenantId });
  }

  async exists(tenantId: string): Promise<boolean> {
    // A find by _id, not countDocuments: a count runs as an aggregation, which may not use the _id index.
    return (await this.collection.findOne({ _id: tenantId }, { projection: { _id: 1 } })) !== null;
  }

  /** The tenants among tenantIds that exist, in one find by _id. */
  async existing(tenantIds: readonly string[]): Promise<Set<string>> {
    const distinct = [...new Set(tenantIds)];
    if (distinct.length === 0) return new Set();
    const docs = await this.collection.find({ _id: { $in: distinct } }, { projection: { _id: 1 } }).toArray();
    return new Set(docs.map((d) => d._id));
  }

  /** Creates the tenant or updates its name and default locale; createdAt is kept. */
  async upsert(input: TenantInput): Promise<void> {
    await this.collection.updateOne(
      { _id: input.tenantId },
      {
        $set: { name: input.name, defaultLocale: input.defaultLocale },
        $setOnInsert: { createdAt: new Date(this.now()) },
      },
      { upsert: true },
    );
  }
}
