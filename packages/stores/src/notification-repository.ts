import type { Collection, Db } from 'mongodb';
import { NotificationStatusValues, type NotificationStatusEvent } from '@notify/schemas';
import {
  Collections,
  type NotificationDoc,
  type NotificationSummaryDoc,
  type StatusEventDoc,
  type StatusTimelineEntry,
} from './documents.js';
import { isDuplicateKeyError } from './mongo-errors.js';

/** What makes two status events the same event. */
export function statusEventKey(
  event: Pick<NotificationStatusEvent, 'status' | 'stage' | 'channel' | 'occurredAt'>,
): string {
  return [event.status, event.stage, event.channel ?? '', event.occurredAt].join('|');
}

function toEventDoc(event: NotificationStatusEvent, recordedAt: Date): StatusEventDoc {
  const doc: StatusEventDoc = {
    _id: `${event.notificationId}|${statusEventKey(event)}`,
    notificationId: event.notificationId,
    tenantId: event.tenantId,
    userId: event.userId,
    status: event.status,
    stage: event.stage,
    occurredAt: new Date(event.occurredAt),
    recordedAt,
  };
  if (event.channel !== null) doc.channel = event.channel;
  if (event.provider !== null) doc.provider = event.provider;
  if (event.reason !== null) doc.reason = event.reason;
  if (event.providerMessageId !== null) doc.providerMessageId = event.providerMessageId;
  if (Object.keys(event.attributes).length > 0) doc.attributes = event.attributes;
  return doc;
}

function toTimelineEntry(doc: StatusEventDoc): StatusTimelineEntry {
  const { _id, notificationId: _n, tenantId: _t, userId: _u, recordedAt: _r, ...entry } = doc;
  return entry;
}

const lifecycleRank = (status: string): number => NotificationStatusValues.indexOf(status as never);

/** Oldest first; events of the same instant in lifecycle order (ROUTED before SENT). */
function byOccurrence(a: StatusEventDoc, b: StatusEventDoc): number {
  return a.occurredAt.getTime() - b.occurredAt.getTime() || lifecycleRank(a.status) - lifecycleRank(b.status);
}

export class NotificationRepository {
  private readonly summaries: Collection<NotificationSummaryDoc>;
  private readonly events: Collection<StatusEventDoc>;
  private readonly now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.summaries = db.collection<NotificationSummaryDoc>(Collections.notifications);
    this.events = db.collection<StatusEventDoc>(Collections.notificationEvents);
    this.now = options.now ?? Date.now;
  }

  /**
   * Records a status event, creating the notification on its first event. Idempotent: an event
   * already recorded (same status, stage, channel and occurredAt) is not added again, so redelivered
   * status records are harmless. Returns whether the event was new. Safe to call concurrently.
   */
  async appendStatus(event: NotificationStatusEvent): Promise<boolean> {
    const now = new Date(this.now());
    const doc = toEventDoc(event, now);
    let appended = true;
    try {
      await this.events.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      appended = false;
    }
    // Also for a duplicate: a crash may have come between the event and its summary.
    await this.updateSummary(event, doc.occurredAt, now);
    return appended;
  }

  /**
   * The notification and its timeline, only within its own tenant. The status is derived from the
   * timeline, so it is right even where the summary lost a race.
   */
  async get(tenantId: string, notificationId: string): Promise<NotificationDoc | null> {
    const events = await this.events.find({ notificationId, tenantId }).toArray();
    if (events.length === 0) return null;
    events.sort(byOccurrence);
    const latest = events[events.length - 1] as StatusEventDoc;
    const summary = await this.summaries.findOne({ _id: notificationId, tenantId });
    return {
      _id: notificationId,
      tenantId,
      userId: latest.userId,
      status: latest.status,
      statusAt: latest.occurredAt,
      timeline: events.map(toTimelineEntry),
      updatedAt: summary?.updatedAt ?? latest.recordedAt,
    };
  }

  private async updateSummary(event: NotificationStatusEvent, occurredAt: Date, now: Date): Promise<void> {
    try {
      await this.summaries.updateOne(
        { _id: event.notificationId },
        {
          $set: { updatedAt: now },
          $setOnInsert: {
            tenantId: event.tenantId,
            userId: event.userId,
            status: event.status,
            statusAt: occurredAt,
          },
        },
        { upsert: true },
      );
    } catch (err) {
      // Another first event created the summary concurrently.
      if (!isDuplicateKeyError(err)) throw err;
    }
    await this.summaries.updateOne(
      { _id: event.notificationId, statusAt: { $lt: occurredAt } },
      { $set: { status: event.status, statusAt: occurredAt } },
    );
  }
}
