import type { NotifyError } from '@notify/core';
import { createLogger, Headers, type InputRecord, type Output, type RecordContext } from '@notify/runtime';
import { Topics, type DigestSpec, type NotificationEnriched, type NotificationStatusEvent } from '@notify/schemas';
import { DigestWindowRepository, ScheduledRepository } from '@notify/stores';
import { openTestDb } from '@notify/stores/testing';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMarkerId } from './digest-step.js';
import { enrichedItem, NOW } from './domain/__fixtures__/digest-items.js';
import type { DigestView } from './domain/digest-notification.js';
import { filterProcessor } from './filter-processor.js';

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('filter_digests'));
});
afterAll(async () => close());

/** A filter over collections of its own, with no preferences and no caps. */
function newFilter(label: string) {
  const scheduled = new ScheduledRepository(db, { collection: `scheduled_${label}` });
  const digests = new DigestWindowRepository(db, { collectionPrefix: `${label}_` });
  const def = filterProcessor({
    preferences: { getMany: async () => new Map() },
    caps: { checkAndRecordMany: async () => [] },
    scheduled,
    digests,
    capPolicy: [],
  });
  if (!('batch' in def.handle)) throw new Error('expected a batch handler');
  const batch = def.handle.batch;
  return { def, scheduled, digests, run: async (records: Array<InputRecord<NotificationEnriched>>) => (await batch(records)) as Output[][] };
}

function record(value: NotificationEnriched, offset: number, headers: Record<string, string> = {}, topic: string = Topics.enriched.name): InputRecord<NotificationEnriched> {
  const context: RecordContext = {
    topic,
    partition: 0,
    offset: String(offset),
    key: Topics.enriched.keyOf(value),
    headers,
    rawValue: Buffer.from(`bytes of ${value.notification.notificationId}`),
    attempt: 1,
    maxAttempts: 4,
    logger: createLogger('test', 'silent'),
    now: () => NOW,
  };
  return { value, context };
}

const item = (user: string, id: string, digest: Partial<DigestSpec> = {}) =>
  enrichedItem({ userId: user, notificationId: `${user}-${id}`, data: { comment: id }, digest: { key: 'comments', windowMs: 60_000, dailyAt: null, maxItems: null, ...digest } });

const statuses = (outputs: Output[]) => outputs.filter((o) => o.topic.name === Topics.status.name).map((o) => o.value as NotificationStatusEvent);
const digestsOut = (outputs: Output[]) => outputs.filter((o) => o.topic.name === Topics.enriched.name).map((o) => o as Output<'notification-enriched'>);

describe('filterProcessor digests (MongoDB)', () => {
  it('produces to its own input: a digest notification enters the filter like a scheduled send', () => {
    expect(newFilter('outputs').def.outputs.map((t) => t.name)).toContain(Topics.enriched.name);
  });

  it('collects items into one window with a DIGESTED event each, schedules its close once, and decides the rest as before', async () => {
    const { run, scheduled, digests } = newFilter('collect');
    const plain = enrichedItem({ userId: 'ada', notificationId: 'plain', digest: null });
    const batch = [record(item('ada', 'a'), 1), record(plain, 2), record(item('ada', 'b'), 3), record(item('ada', 'c'), 4)];
    const outputs = await run(batch);

    expect(outputs[1]!.map((o) => o.topic.name)).toEqual([Topics.filtered.name]);
    const digested = [0, 2, 3].map((i) => statuses(outputs[i]!));
    for (const events of digested) expect(events.map((e) => e.status)).toEqual(['DIGESTED']);
    const digestId = digested[0]![0]!.attributes.digestId!;
    expect(new Set(digested.map((e) => e[0]!.attributes.digestId))).toEqual(new Set([digestId]));
    expect(digested[0]![0]!.attributes.digestKey).toBe('comments');
    expect((await digests.get(digestId))?.items.map((i) => i.notificationId)).toEqual(['ada-a', 'ada-b', 'ada-c']);

    const marker = await scheduled.get(closeMarkerId(digestId));
    expect(marker).toMatchObject({ dueAt: new Date(NOW + 60_000), key: 't-1:ada', reason: 'digest_close', state: 'pending' });
    expect(marker?.headers[Headers.DIGEST_CLOSE]).toBe(digestId);
    expect(marker?.payload.toString()).toBe('bytes of ada-a');

    // The same batch again (its transaction aborted): the same answers, nothing added twice.
    const again = await run(batch);
    expect([0, 2, 3].map((i) => statuses(again[i]!)[0]!.attributes.digestId)).toEqual([digestId, digestId, digestId]);
    expect((await digests.get(digestId))?.items).toHaveLength(3);
  });

  it('closes a window on its marker exactly once: one digest notification with every item, the same on a replay, none for a second marker', async () => {
    const { run } = newFilter('marker');
    const first = await run([record(item('bob', 'a'), 1), record(item('bob', 'b'), 2)]);
    const digestId = statuses(first[0]!)[0]!.attributes.digestId!;
    const marker = record(item('bob', 'a'), 10, { [Headers.DIGEST_CLOSE]: digestId });

    const [closing] = await run([marker]);
    const [digest] = digestsOut(closing!);
    expect(digest!.key).toBe('t-1:bob');
    expect(digest!.value.notification).toMatchObject({ notificationId: digestId, digest: null, source: 'SCHEDULER' });
    const view = JSON.parse(digest!.value.notification.data.digest!) as DigestView;
    expect(view).toEqual({ count: 2, items: [{ comment: 'a', notificationId: 'bob-a' }, { comment: 'b', notificationId: 'bob-b' }], more: 0 });
    expect(statuses(closing!)).toMatchObject([{ notificationId: digestId, status: 'ACCEPTED', attributes: { itemCount: '2', items: 'bob-a,bob-b' } }]);

    // The marker processed again (aborted transaction), also from a retry tier: the same digest.
    expect(digestsOut((await run([marker]))[0]!)[0]!.value).toEqual(digest!.value);
    const retried = record(item('bob', 'a'), 3, {
      [Headers.DIGEST_CLOSE]: digestId,
      [Headers.SOURCE_TOPIC]: Topics.enriched.name,
      [Headers.SOURCE_PARTITION]: '0',
      [Headers.SOURCE_OFFSET]: '10',
    }, `${Topics.enriched.name}.retry.1`);
    expect(digestsOut((await run([retried]))[0]!)).toHaveLength(1);
    // The scheduler emitting the marker twice: the second copy closes nothing.
    expect(await run([record(item('bob', 'a'), 11, { [Headers.DIGEST_CLOSE]: digestId })])).toEqual([[]]);

    // An item after the close opens the next window.
    const [late] = await run([record(item('bob', 'c'), 12)]);
    expect(statuses(late!)[0]!.attributes.digestId).not.toBe(digestId);

    // The digest notification itself comes back and passes like any notification.
    const [passed] = await run([record(digest!.value, 13)]);
    expect(passed!.map((o) => o.topic.name)).toEqual([Topics.filtered.name]);
  });

  it('closes a window at once when an item fills it, cancels its marker, and a late marker does nothing', async () => {
    const { run, scheduled } = newFilter('max-items');
    const outputs = await run([record(item('cy', 'a', { maxItems: 2 }), 1), record(item('cy', 'b', { maxItems: 2 }), 2), record(item('cy', 'c', { maxItems: 2 }), 3)]);
    const digestId = statuses(outputs[0]!)[0]!.attributes.digestId!;
    expect(digestsOut(outputs[0]!)).toEqual([]);
    const [digest] = digestsOut(outputs[1]!);
    expect(digest!.value.notification.data.digestCount).toBe('2');
    expect(statuses(outputs[1]!).map((e) => `${e.status}:${e.notificationId}`)).toEqual([`DIGESTED:cy-b`, `ACCEPTED:${digestId}`]);
    expect(statuses(outputs[2]!)[0]!.attributes.digestId).not.toBe(digestId);
    // Built from the first item, whatever record closed it.
    expect(JSON.parse(digest!.value.notification.data.digest!)).toMatchObject({ count: 2 });
    expect(digest!.value.notification.data.comment).toBe('a');
    const { templateId, category, channels, priority, userId, requestedAt } = item('cy', 'a').notification;
    expect(digest!.value.notification).toMatchObject({ notificationId: digestId, templateId, category, channels, priority, userId, requestedAt, digest: null });
    expect(await scheduled.get(closeMarkerId(digestId))).toMatchObject({ state: 'cancelled' });

    expect(await run([record(item('cy', 'a'), 20, { [Headers.DIGEST_CLOSE]: digestId })])).toEqual([[]]);
    // The filling item replayed: the same digest again, from the same closer.
    const replay = await run([record(item('cy', 'a', { maxItems: 2 }), 1), record(item('cy', 'b', { maxItems: 2 }), 2)]);
    expect(digestsOut(replay[1]!)[0]!.value).toEqual(digest!.value);
  });

  it('fails alone a marker of a window never opened, and an item whose digest names no closing time', async () => {
    const { run } = newFilter('bad');
    const results = await run([
      record(item('dee', 'a'), 1, { [Headers.DIGEST_CLOSE]: 'no-such-digest' }),
      record(item('dee', 'b', { windowMs: null }), 2),
      record(item('dee', 'c'), 3),
    ]);
    expect(results[0]).toBeInstanceOf(Error);
    expect(results[1]).toBeInstanceOf(Error);
    // Dead-lettered, the marker's failure goes on the digest's timeline, the item's on its own.
    const { def } = newFilter('bad');
    const [marker, badItem] = [record(item('dee', 'a'), 1, { [Headers.DIGEST_CLOSE]: 'no-such-digest' }), record(item('dee', 'b'), 2)];
    const deadLetters = [marker, badItem].map((r) => def.onDeadLetter!(r.value, results[0] as unknown as NotifyError, r.context)[0]!.value as NotificationStatusEvent);
    expect(deadLetters.map((e) => `${e.status}:${e.notificationId}`)).toEqual(['DEAD_LETTERED:no-such-digest', 'DEAD_LETTERED:dee-b']);
    expect(statuses(results[2]!).map((e) => e.status)).toEqual(['DIGESTED']);
  });
});
