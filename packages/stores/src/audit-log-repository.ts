import type { Collection, Db } from 'mongodb';
import { Collections, type AuditLogDoc } from './documents.js';

/** One change as its author reports it; the repository stamps when. */
export type AuditEntry = Omit<AuditLogDoc, 'at'>;

/** Who changed what, kept in `audit_log` (expired by its TTL index or sweeper). */
export class AuditLogRepository {
  private readonly collection: Collection<AuditLogDoc>;
  private readonly now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.collection = db.collection<AuditLogDoc>(Collections.auditLog);
    this.now = options.now ?? Date.now;
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.collection.insertOne({ ...entry, at: new Date(this.now()) });
  }
}
