import { Collections, type AuditLogDoc } from '@notify/stores';
import type { Collection, Db } from 'mongodb';

export type AuditEntry = Omit<AuditLogDoc, 'at'>;

/** Who changed what, kept in `audit_log` (expired by its TTL index or sweeper). */
export class AuditLog {
  private readonly collection: Collection<AuditLogDoc>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.collection = db.collection<AuditLogDoc>(Collections.auditLog);
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.collection.insertOne({ ...entry, at: new Date(this.now()) });
  }
}
