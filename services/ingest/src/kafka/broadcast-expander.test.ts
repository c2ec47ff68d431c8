import type { RecordContext, RecordHandler } from '@notify/runtime';
import { Topics, type BroadcastExpansion } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { broadcastExpansion } from '../domain/broadcast-expansion.js';
import type { SubscriberPageRead } from '../domain/expand-broadcast-page.js';
import { notificationId } from '../domain/notification-id.js';
import { parseNotificationRequest } from '../domain/request-schema.js';
import { broadcastExpander } from './broadcast-expander.js';

const body = {
  tenantId: 'acme',
  idempotencyKey: 'k',
  recipients: ['u0'],
  topics: ['news'],
  templateId: 'welcome',
  category: 'news',
};
const expansion: BroadcastExpansion = {
  ...broadcastExpansion(parseNotificationRequest(body, { now: 1_000 }), {
    acceptedAt: 2_000,
    source: 'REST',
  })!,
  nextBucket: 3,
};

function expanderOver(page: { userIds: string[]; nextBucket: number | null }) {
  const reads: SubscriberPageRead[] = [];
  const def = broadcastExpander({
    subscribers: {
      expansionPage: async (read) => {
        reads.push(read);
        return page;
      },
    },
    pageSize: 2,
  });
  const handle = (def.handle as { record: RecordHandler<BroadcastExpansion> }).record;
  return { def, reads, handle: async () => handle(expansion, {} as RecordContext) };
}

describe('broadcastExpander', () => {
  it('reads notify.broadcasts.v1 and may write notify.accepted.v1, notify.status.v1 and notify.broadcasts.v1', () => {
    const { def } = expanderOver({ userIds: [], nextBucket: null });
    expect(def.input).toBe(Topics.broadcasts);
    expect(def.outputs).toEqual([Topics.accepted, Topics.status, Topics.broadcasts]);
  });

  it('produces a page of notifications with their ACCEPTED events, and the rest of the expansion', async () => {
    const { handle, reads } = expanderOver({ userIds: ['u1', 'u2'], nextBucket: 7 });
    const outputs = await handle();
    expect(reads).toEqual([
      { tenantId: 'acme', topicIds: ['news'], fromBucket: 3, wanted: 2, exclude: new Set(['u0']) },
    ]);
    expect(outputs.map((o) => o.topic)).toEqual([
      Topics.accepted,
      Topics.accepted,
      Topics.status,
      Topics.status,
      Topics.broadcasts,
    ]);
    expect(outputs[0]).toMatchObject({
      key: 'acme:u1',
      value: { notification: { notificationId: notificationId('acme', 'k', 'u1') } },
    });
    expect(outputs[4]).toMatchObject({ key: 'acme:k', value: { ...expansion, nextBucket: 7 } });
  });

  it('hands nothing on after the last page', async () => {
    const { handle } = expanderOver({ userIds: ['u9'], nextBucket: null });
    expect((await handle()).map((o) => o.topic)).toEqual([Topics.accepted, Topics.status]);
  });
});
