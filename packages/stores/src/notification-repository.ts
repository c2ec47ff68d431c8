import { isOutcomeStatus } from '@notify/core';
import type { Collection, Db } from 'mongodb';
import { NotificationStatusValues, type NotificationStatusEvent } from '@notify/schemas';
import {
  Collections,
  type NotificationDoc,
  type NotificationSummaryDoc,
  type StatusEventDoc,
  type StatusTimelineEntry,
} from './documents.js';
import { insertOnce } from './insert-once.js';

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

  /** One event; see appendStatuses. */
  async appendStatus(event: NotificationStatusEvent): Promise<boolean> {
    const [appended] = await this.appendStatuses([event]);
    return appended as boolean;
  }

  /**
   * Records status events, creating each notification's summary with its ACCEPTED event: two inserts
   * for the whole list, whatever its length. Idempotent: an event already recorded (same notification,
   * status, stage, channel and occurredAt), also twice within the list, is not added again, so
   * redelivered status records are harmless. Returns, per event, whether it was new. Safe to call
   * concurrently.
   */
  async appendStatuses(events: readonly NotificationStatusEvent[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const now = new Date(this.now());
    const appended = await this.insertEvents(events, now);
    // Every notification's timeline begins with its ACCEPTED event: the summary goes in with that one, also
    // when the event itself was a duplicate (a crash may have come between the two inserts).
    const summaries = new Map<string, NotificationSummaryDoc>();
    for (const e of events) {
      if (e.status !== 'ACCEPTED' || summaries.has(e.notificationId)) continue;
      summaries.set(e.notificationId, { _id: e.notificationId, tenantId: e.tenantId, userId: e.userId, createdAt: now });
    }
    await insertOnce(this.summaries, [...summaries.values()]);
    return appended;
  }

  /**
   * Records status events on the timelines only, in one insert, idempotently like appendStatuses; the
   * notifications' summaries are left to whoever records the same ACCEPTED events with appendStatuses.
   * For a writer that only needs the timeline readable at once.
   */
  async appendEvents(events: readonly NotificationStatusEvent[]): Promise<boolean[]> {
    return this.insertEvents(events, new Date(this.now()));
  }

  private async insertEvents(events: readonly NotificationStatusEvent[], recordedAt: Date): Promise<boolean[]> {
    return insertOnce(
      this.events,
      events.map((e) => toEventDoc(e, recordedAt)),
    );
  }

  /** Who the notification is for, from its summary: null until its ACCEPTED event is recorded. */
  async recipientOf(notificationId: string): Promise<Pick<NotificationSummaryDoc, 'tenantId' | 'userId'> | null> {
    return this.summaries.findOne({ _id: notificationId }, { projection: { tenantId: 1, userId: 1 } });
  }

  /**
   * The notification and its timeline, only within its own tenant. The status is the latest outcome's:
   * engagement (OPENED, CLICKED...) is in the timeline but never replaces SENT, DELIVERED or BOUNCED.
   */
  async get(tenantId: string, notificationId: string): Promise<NotificationDoc | null> {
    const events = await this.events.find({ notificationId, tenantId }).toArray();
    if (events.length === 0) return null;
    events.sort(byOccurrence);
    const latest = events.findLast((e) => isOutcomeStatus(e.status)) ?? (events[events.length - 1] as StatusEventDoc);
    return {
      _id: notificationId,
      tenantId,
      userId: latest.userId,
      status: latest.status,
      statusAt: latest.occurredAt,
      timeline: events.map(toTimelineEntry),
      updatedAt: new Date(Math.max(...events.map((e) => e.recordedAt.getTime()))),
    };
  }
}
