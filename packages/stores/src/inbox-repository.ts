import type { Collection, Db, Filter } from 'mongodb';
import { Collections, type InboxDoc } from './documents.js';
import { insertOnce } from './insert-once.js';

/** One page of a user's inbox. */
export interface InboxListQuery {
  unreadOnly: boolean;
  limit: number;
  /** Only messages created strictly before this instant (the previous page's last createdAt). */
  before: Date | null;
}

/**
 * Users' in-app inboxes (`inapp_inbox`), one document per notification, always within its tenant. The
 * in-app sender adds messages; the in-app gateway lists them and marks them read.
 */
export class InboxRepository {
  private readonly inbox: Collection<InboxDoc>;
  private readonly now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.inbox = db.collection<InboxDoc>(Collections.inbox);
    this.now = options.now ?? Date.now;
  }

  /** Idempotent by notification id (`_id`): a message already there stays as it was. */
  async add(doc: InboxDoc): Promise<void> {
    await insertOnce(this.inbox, [doc]);
  }

  /** Newest first. */
  async list(tenantId: string, userId: string, query: InboxListQuery): Promise<InboxDoc[]> {
    const filter: Filter<InboxDoc> = { tenantId, userId };
    if (query.unreadOnly) filter.readAt = null;
    if (query.before) filter.createdAt = { $lt: query.before };
    return this.inbox.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit).toArray();
  }

  async unreadCount(tenantId: string, userId: string): Promise<number> {
    return this.inbox.countDocuments({ tenantId, userId, readAt: null });
  }

  /** When the message was read (now, or earlier if it already was); null when the user has no such message. */
  async markRead(tenantId: string, userId: string, notificationId: string): Promise<Date | null> {
    const readAt = new Date(this.now());
    const res = await this.inbox.updateOne({ _id: notificationId, tenantId, userId, readAt: null }, { $set: { readAt } });
    if (res.modifiedCount === 1) return readAt;
    const existing = await this.inbox.findOne({ _id: notificationId, tenantId, userId }, { projection: { readAt: 1 } });
    return existing ? (existing.readAt ?? readAt) : null;
  }

  /** Marks every unread message read; returns how many changed. */
  async markAllRead(tenantId: string, userId: string): Promise<{ updated: number; readAt: Date }> {
    const readAt = new Date(this.now());
    const res = await this.inbox.updateMany({ tenantId, userId, readAt: null }, { $set: { readAt } });
    return { updated: res.modifiedCount, readAt };
  }
}
