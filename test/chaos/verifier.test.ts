import type { Channel, NotificationStatus } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import type { FaultEvent } from './fault-supervisor.js';
import type { Receipt } from './provider-receipts.js';
import type { StatusRecord } from './status-collector.js';
import { timelineKey, verify, type VerifyInput } from './verifier.js';
import type { Expectation, PlannedNotification, Workload } from './workload.js';

let offset = 0;
function ev(notificationId: string, status: NotificationStatus, channel: Channel | null = null, extra: Partial<StatusRecord> = {}): StatusRecord {
  return { notificationId, status, stage: 'test', channel, provider: null, reason: status === 'FAILED' || status === 'DEAD_LETTERED' ? 'PROVIDER_REJECTED: no' : null, occurredAt: 0, attributes: {}, partition: 0, offset: String(offset++), ...extra };
}

function receipt(notificationId: string, channel: Channel, provider: Receipt['provider'], receivedAt = 1_000, dedupKey?: string): Receipt {
  return { provider, channel, notificationId, receivedAt, clue: 'test', ...(dedupKey ? { dedupKey } : {}) };
}

function workloadOf(plans: Array<[string, Expectation]>): Workload {
  const notifications = new Map<string, PlannedNotification>(
    plans.map(([id, expect]) => [id, { notificationId: id, requestKey: `k-${id}`, userId: 'u', scenario: 's', via: 'REST', expect }]),
  );
  return { tenantId: 't', recipients: [], requests: [], notifications };
}

function input(plans: Array<[string, Expectation]>, events: StatusRecord[], receipts: Receipt[], extra: Partial<VerifyInput> = {}): VerifyInput {
  const statuses = new Map<string, StatusRecord[]>();
  for (const e of events) statuses.set(e.notificationId, [...(statuses.get(e.notificationId) ?? []), e]);
  return { workload: workloadOf(plans), acceptedKeys: new Set(plans.map(([id]) => `k-${id}`)), statuses, receipts, faults: [], crashWindowMs: 5_000, ...extra };
}

const sent: Expectation = { channels: { EMAIL: 'SENT' } };

describe('verify', () => {
  it('passes a notification that went out once and one suppressed as planned', () => {
    const r = verify(
      input(
        [
          ['a', sent],
          ['b', { whole: 'SUPPRESSED' }],
        ],
        [ev('a', 'ACCEPTED'), ev('a', 'ROUTED', 'EMAIL'), ev('a', 'SENT', 'EMAIL'), ev('b', 'ACCEPTED'), ev('b', 'SUPPRESSED')],
        [receipt('a', 'EMAIL', 'sendgrid')],
      ),
    );
    expect(r.ok).toBe(true);
    expect(r.terminal).toMatchObject({ SENT: 1, SUPPRESSED: 1 });
  });

  it('reports an accepted notification with no terminal state, or SENT that no provider has, as lost', () => {
    const r = verify(
      input(
        [
          ['a', sent],
          ['b', sent],
          ['c', sent],
        ],
        [ev('a', 'ACCEPTED'), ev('a', 'ROUTED', 'EMAIL'), ev('b', 'ROUTED', 'EMAIL'), ev('b', 'SENT', 'EMAIL')],
        [],
      ),
    );
    expect(r.ok).toBe(false);
    expect(r.losses.map((l) => l.notificationId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('reports conflicting terminal states and two real SENTs as duplicates; a ledger-answered repeat is fine', () => {
    const dup = verify(input([['a', sent]], [ev('a', 'ROUTED', 'EMAIL'), ev('a', 'SENT', 'EMAIL'), ev('a', 'FAILED', 'EMAIL')], [receipt('a', 'EMAIL', 'sendgrid')]));
    expect(dup.duplicates).toHaveLength(1);
    const twice = verify(input([['a', sent]], [ev('a', 'SENT', 'EMAIL'), ev('a', 'SENT', 'EMAIL')], [receipt('a', 'EMAIL', 'sendgrid')]));
    expect(twice.duplicates[0]?.detail).toMatch(/2 times/);
    const repeat = verify(
      input([['a', sent]], [ev('a', 'ACCEPTED'), ev('a', 'ACCEPTED'), ev('a', 'SENT', 'EMAIL'), ev('a', 'SENT', 'EMAIL', { attributes: { duplicateSuppressed: 'true' } })], [receipt('a', 'EMAIL', 'sendgrid')]),
    );
    expect(repeat.ok).toBe(true);
    expect(repeat.reaccepted).toBe(1);
    expect(repeat.ledgerSuppressedRepeats).toBe(1);
  });

  it('tells a provider duplicate in the crash window from an unexplained one', () => {
    const events = [ev('a', 'ROUTED', 'SMS'), ev('a', 'SENT', 'SMS')];
    const copies = [receipt('a', 'SMS', 'twilio', 1_000), receipt('a', 'SMS', 'twilio', 40_000)];
    const kill: FaultEvent = { kind: 'kill', target: 'sender-twilio', at: 1_050, ok: true };
    const explained = verify(input([['a', { channels: { SMS: 'SENT' } }]], events, copies, { faults: [kill] }));
    expect(explained.ok).toBe(true);
    expect(explained.providerDuplicates).toMatchObject([{ cause: 'sender-killed', copies: 2, deduplicableByReceiver: false }]);
    const otherKill: FaultEvent = { ...kill, target: 'sender-push' };
    const unexplained = verify(input([['a', { channels: { SMS: 'SENT' } }]], events, copies, { faults: [otherKill] }));
    expect(unexplained.ok).toBe(false);
    expect(unexplained.providerDuplicates[0]?.cause).toBe('unexplained');
  });

  it('notes when every copy carried the same receiver-side key', () => {
    const r = verify(
      input([['a', { channels: { WEBHOOK: 'SENT' } }]], [ev('a', 'SENT', 'WEBHOOK')], [receipt('a', 'WEBHOOK', 'webhook', 1_000, 'a:WEBHOOK'), receipt('a', 'WEBHOOK', 'webhook', 2_000, 'a:WEBHOOK')], {
        faults: [{ kind: 'infra-restart', target: 'mongo', at: 500, readyAt: 3_000, ok: true }],
      }),
    );
    expect(r.providerDuplicates).toMatchObject([{ cause: 'ledger-store-restart', deduplicableByReceiver: true }]);
  });

  it('fails an outcome the plan rules out, but only reports a SENT that degraded to FAILED with a reason', () => {
    const optedOutButSent = verify(input([['a', { channels: { EMAIL: 'SUPPRESSED', SMS: 'SENT' } }]], [ev('a', 'SENT', 'EMAIL'), ev('a', 'SENT', 'SMS')], [receipt('a', 'EMAIL', 'sendgrid'), receipt('a', 'SMS', 'twilio')]));
    expect(optedOutButSent.wrongOutcomes).toHaveLength(1);
    const degraded = verify(input([['a', sent]], [ev('a', 'ROUTED', 'EMAIL'), ev('a', 'FAILED', 'EMAIL')], []));
    expect(degraded.ok).toBe(true);
    expect(degraded.degraded).toHaveLength(1);
  });

  it('takes the alternative whole outcome the plan allows, with its reason only', () => {
    const deadToken: Expectation = { channels: { PUSH: 'FAILED' }, alternatively: { whole: 'SUPPRESSED', reason: 'no_reachable_channel' } };
    const r = verify(
      input(
        [
          ['first', deadToken],
          ['later', deadToken],
          ['other', deadToken],
        ],
        [
          ev('first', 'ROUTED', 'PUSH'),
          ev('first', 'FAILED', 'PUSH'),
          ev('later', 'SUPPRESSED', null, { reason: 'no_reachable_channel' }),
          ev('other', 'SUPPRESSED', null, { reason: 'opted_out' }),
        ],
        [],
      ),
    );
    expect(r.wrongOutcomes.map((f) => f.notificationId)).toEqual(['other']);
  });

  it('fails a delivery whose channel did not end SENT, a receipt of no notification and a timeline gap', () => {
    const r = verify(
      input([['a', sent]], [ev('a', 'ROUTED', 'EMAIL'), ev('a', 'FAILED', 'EMAIL')], [receipt('a', 'EMAIL', 'sendgrid'), receipt('zzz', 'EMAIL', 'sendgrid')], {
        timeline: new Set([timelineKey('a', 'SENT', 'EMAIL')]),
      }),
    );
    expect(r.deliveredNotSent).toHaveLength(1);
    expect(r.unmatchedReceipts).toHaveLength(1);
    expect(r.timelineGaps[0]?.detail).toMatch(/FAILED\/EMAIL/);
    expect(r.ok).toBe(false);
  });

  it('waits for a channel the plan names even when another is already terminal', () => {
    const r = verify(input([['a', { channels: { EMAIL: 'SUPPRESSED', SMS: 'SENT' } }]], [ev('a', 'SUPPRESSED', 'EMAIL')], []));
    expect(r.losses).toHaveLength(1);
  });
});

describe('verify, MongoDB timelines', () => {
  it('counts events the status tracker has not read yet apart from gaps', () => {
    const events = [ev('a', 'ROUTED', 'EMAIL'), ev('a', 'SENT', 'EMAIL')];
    const behind = verify(input([['a', sent]], events, [receipt('a', 'EMAIL', 'sendgrid')], { timeline: new Set(), timelineFinal: false }));
    expect(behind.ok).toBe(true);
    expect(behind.timelineNotYetRecorded).toBe(1);
    const gap = verify(input([['a', sent]], events, [receipt('a', 'EMAIL', 'sendgrid')], { timeline: new Set(), timelineFinal: true }));
    expect(gap.ok).toBe(false);
    expect(gap.timelineGaps).toHaveLength(1);
  });
});

describe('verify: digests', () => {
  const digested: Expectation = { whole: 'DIGESTED' };
  const digestInput = (events: StatusRecord[], receipts: Receipt[]) => {
    const i = input(
      [
        ['i1', digested],
        ['i2', digested],
        ['i3', digested],
      ],
      events,
      receipts,
    );
    for (const plan of i.workload.notifications.values()) plan.digestExpect = sent;
    return i;
  };
  const digestedInto = (item: string, digestId: string) => ev(item, 'DIGESTED', null, { attributes: { digestId } });
  const deliveredDigest = (digestId: string, items: string[]) => [
    ev(digestId, 'ACCEPTED', null, { attributes: { items: items.join(',') } }),
    ev(digestId, 'ROUTED', 'EMAIL'),
    ev(digestId, 'SENT', 'EMAIL'),
  ];

  it('passes items that each end in one delivered digest listing exactly them', () => {
    const r = verify(
      digestInput(
        [digestedInto('i1', 'd1'), digestedInto('i2', 'd1'), digestedInto('i3', 'd2'), ...deliveredDigest('d1', ['i1', 'i2']), ...deliveredDigest('d2', ['i3'])],
        [receipt('d1', 'EMAIL', 'sendgrid'), receipt('d2', 'EMAIL', 'sendgrid')],
      ),
    );
    expect(r.ok).toBe(true);
    expect(r.digests).toBe(2);
    expect(r.terminal).toMatchObject({ DIGESTED: 3, SENT: 2 });
  });

  it('fails an item in two digests, a digest that lists an item it does not hold, and a digest never delivered', () => {
    const twice = verify(
      digestInput(
        [digestedInto('i1', 'd1'), digestedInto('i1', 'd2'), digestedInto('i2', 'd1'), digestedInto('i3', 'd1'), ...deliveredDigest('d1', ['i1', 'i2', 'i3']), ...deliveredDigest('d2', ['i1'])],
        [receipt('d1', 'EMAIL', 'sendgrid'), receipt('d2', 'EMAIL', 'sendgrid')],
      ),
    );
    expect(twice.ok).toBe(false);
    expect(twice.digestMismatches.map((f) => f.detail)).toEqual([expect.stringContaining('digested into 2 digests')]);

    const wrongList = verify(
      digestInput(
        [digestedInto('i1', 'd1'), digestedInto('i2', 'd1'), digestedInto('i3', 'd1'), ...deliveredDigest('d1', ['i1', 'i2'])],
        [receipt('d1', 'EMAIL', 'sendgrid')],
      ),
    );
    expect(wrongList.digestMismatches.map((f) => f.detail)).toEqual([expect.stringContaining('not in it: i3')]);

    const undelivered = verify(digestInput([digestedInto('i1', 'd1'), digestedInto('i2', 'd1'), digestedInto('i3', 'd1'), ev('d1', 'ACCEPTED', null, { attributes: { items: 'i1,i2,i3' } })], []));
    expect(undelivered.ok).toBe(false);
    expect(undelivered.losses.map((f) => f.notificationId)).toEqual(['d1']);
  });

  it('reports an item with no DIGESTED event as lost, and a digest receipt as accounted for', () => {
    const r = verify(digestInput([digestedInto('i1', 'd1'), digestedInto('i2', 'd1'), ...deliveredDigest('d1', ['i1', 'i2'])], [receipt('d1', 'EMAIL', 'sendgrid')]));
    expect(r.losses.map((f) => f.notificationId)).toEqual(['i3']);
    expect(r.unmatchedReceipts).toEqual([]);
  });
});
