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
    return (await this.collection.countDocuments({ _id: tenantId }, { limit: 1 })) > 0;
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
