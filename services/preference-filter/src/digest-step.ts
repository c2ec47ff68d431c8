import { NotifyError } from '@notify/core';
import { Headers, output, recordOrigin, statusOutput, type InputRecord, type Output, type RecordContext } from '@notify/runtime';
import { Topics, type NotificationEnriched } from '@notify/schemas';
import type { DigestSession, DigestWindowRepository, NewDigestItem, NewScheduledDoc, ScheduledRepository } from '@notify/stores';
import { deferredHeaders } from './deferred-headers.js';
import type { DigestMetrics } from './digest-metrics.js';
import { digestClosesAt } from './domain/digest-closes-at.js';
import { digestAcceptedEvent, digestedEvent, digestNotification, type DigestCloseReason } from './domain/digest-notification.js';
import { closingItemCount, digestRoleOf, type DigestRole } from './domain/digest-role.js';

export interface DigestDeps {
  digests: Pick<DigestWindowRepository, 'session'>;
  scheduled: Pick<ScheduledRepository, 'scheduleMany' | 'cancel'>;
  metrics?: DigestMetrics;
}

/** The scheduled document whose re-emission closes a digest window. */
export function closeMarkerId(digestId: string): string {
  return `digest:${digestId}`;
}

/**
 * The digest part of a filter batch, in offset order: items join their windows (a DIGESTED event each),
 * an item opening a window schedules its close marker, and a close marker or an item filling its window
 * closes it into a digest notification produced to the filter's own input. Per record: its outputs, null
 * for a record the filter decides itself, or an Error for a record that cannot be digested.
 *
 * Every store write is idempotent, so a batch processed again (an aborted transaction) gives the same
 * answers: an item replayed is where it was, opens nothing new, and its window's marker is scheduled again
 * by the same _id; a replayed close by the same record returns the same items.
 */
export async function digestStep(records: Array<InputRecord<NotificationEnriched>>, deps: DigestDeps): Promise<Array<Output[] | Error | null>> {
  const plans = records.map(planOf);
  if (plans.every((p) => p.role.kind === 'none')) return plans.map(() => null);
  const session = await deps.digests.session(plans.flatMap((p) => (p.item instanceof Error || p.item === null ? [] : [p.item])));

  const results: Array<Output[] | Error | null> = [];
  const markers: NewScheduledDoc[] = [];
  const cancelled: string[] = [];
  for (const [i, { value, context }] of records.entries()) {
    const { role, item } = plans[i]!;
    if (role.kind === 'none') {
      results.push(null);
      continue;
    }
    try {
      if (role.kind === 'close') {
        results.push(await closeWindow(session, role.digestId, 'window', context, deps));
        continue;
      }
      if (item instanceof Error) throw item;
      const added = await session.add(item!);
      deps.metrics?.itemDigested();
      const outputs: Output[] = [statusOutput(digestedEvent(value, added.digestId, role.spec.key, context.now()))];
      if (added.position === 1) {
        markers.push({
          _id: closeMarkerId(added.digestId),
          tenantId: value.notification.tenantId,
          dueAt: added.closesAt,
          payload: context.rawValue!,
          key: context.key ?? Topics.enriched.keyOf(value),
          headers: { ...deferredHeaders(context.headers), [Headers.DIGEST_CLOSE]: added.digestId },
          reason: 'digest_close',
        });
      }
      if (added.maxItems !== null && added.position === added.maxItems) {
        outputs.push(...(await closeWindow(session, added.digestId, 'max_items', context, deps)));
        cancelled.push(closeMarkerId(added.digestId));
      }
      results.push(outputs);
    } catch (err) {
      // A record that can never be digested (a bad spec, a marker of no window) fails alone; a store outage fails the batch.
      if (err instanceof NotifyError && !err.canRetry) results.push(err);
      else throw err;
    }
  }
  // Markers before cancellations: a window opened and filled in this batch has both.
  await deps.scheduled.scheduleMany(markers);
  await deps.scheduled.cancel(cancelled);
  return results;
}

interface DigestPlan {
  role: DigestRole;
  /** For an item: what to add to its window, or why it cannot be; null otherwise. */
  item: NewDigestItem | Error | null;
}

function planOf({ value, context }: InputRecord<NotificationEnriched>): DigestPlan {
  const now = context.now();
  const role = digestRoleOf(value, context.headers[Headers.DIGEST_CLOSE] ?? null, now);
  if (role.kind !== 'item') return { role, item: null };
  const n = value.notification;
  try {
    return {
      role,
      item: {
        tenantId: n.tenantId,
        userId: n.userId,
        key: role.spec.key,
        notificationId: n.notificationId,
        data: n.data,
        at: new Date(now),
        closesAt: new Date(digestClosesAt(role.spec, now, value.recipient.timezone)),
        maxItems: closingItemCount(role.spec),
        record: value as unknown as Record<string, unknown>,
      },
    };
  } catch (err) {
    return { role, item: err instanceof Error ? err : new Error(String(err)) };
  }
}

/**
 * Closes a window for this record; the digest notification (built from the window's first item, whatever
 * record closes it) and its ACCEPTED event if this record closed it.
 */
async function closeWindow(session: DigestSession, digestId: string, reason: DigestCloseReason, context: RecordContext, deps: DigestDeps): Promise<Output[]> {
  const window = await session.close(digestId, recordOrigin(context, Topics.enriched.name));
  if (!window) return [];
  deps.metrics?.digestClosed(reason);
  const now = context.now();
  const digest = { digestId, key: window.key, items: window.items };
  // The opener is the NotificationEnriched this step stored when the window opened.
  const value = digestNotification(window.opener as unknown as NotificationEnriched, digest, now);
  return [output(Topics.enriched, context.key ?? Topics.enriched.keyOf(value), value), statusOutput(digestAcceptedEvent(value, digest, reason, now))];
}
