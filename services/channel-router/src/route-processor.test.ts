import { createLogger, type InputRecord, type RecordContext } from '@notify/runtime';
import type { NotificationFiltered } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { content, filtered, recipient } from './domain/__fixtures__/notifications.js';
import { parseRoutingConfig } from './domain/routing-config.js';
import { routeProcessor, type SuppressedAddresses } from './route-processor.js';

const context: RecordContext = {
  topic: 'notify.filtered.v1',
  partition: 0,
  offset: '0',
  key: 'acme:u-42',
  headers: {},
  rawValue: null,
  attempt: 1,
  maxAttempts: 4,
  logger: createLogger('test', 'silent'),
  now: () => 1_500_000,
};

const live = () => ({ state: { disabled: new Set<never>(), openCircuits: new Set<never>() }, rollout: {} });

/** Marks `marked` (tenant|channel|address) undeliverable; records each call. */
function store(marked: string[]): SuppressedAddresses & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    suppressedAmong: async (refs) => {
      calls.push(refs.length);
      return refs.filter((r) => marked.includes(`${r.tenantId}|${r.channel}|${r.address}`));
    },
  };
}

const record = (value: NotificationFiltered): InputRecord<NotificationFiltered> => ({ value, context });

describe('routeProcessor', () => {
  it("looks up the slice's addresses in one call and suppresses only the marked ones, per notification", async () => {
    const suppressions = store(['acme|EMAIL|ada@example.com']);
    const def = routeProcessor(parseRoutingConfig(undefined), live, suppressions);
    if (!('batch' in def.handle)) throw new Error('expected a batch handler');
    const other = filtered({ channels: ['EMAIL'], recipient: recipient({ email: 'bob@example.com' }) });
    const results = await def.handle.batch([record(filtered({ channels: ['EMAIL', 'SMS'] })), record(other)]);
    expect(suppressions.calls).toEqual([4]);
    const [first, second] = results as Array<Array<{ topic: { name: string }; value: { status?: string; channel?: string; reason?: string | null } }>>;
    expect(first!.map((o) => [o.topic.name, o.value.status ?? null, o.value.channel])).toEqual([
      ['notify.dispatch.twilio.v1', null, 'SMS'],
      ['notify.status.v1', 'SUPPRESSED', 'EMAIL'],
      ['notify.status.v1', 'ROUTED', 'SMS'],
    ]);
    expect(first![1]!.value.reason).toBe('undeliverable');
    expect(second!.map((o) => o.topic.name)).toEqual(['notify.dispatch.sendgrid.v1', 'notify.status.v1']);
  });

  it('fails only the record whose template is broken, and the whole slice when the lookup fails', async () => {
    const def = routeProcessor(parseRoutingConfig(undefined), live, store([]));
    if (!('batch' in def.handle)) throw new Error('expected a batch handler');
    const broken = filtered({ channels: ['SMS'], content: [content('SMS', { body: '{{#if x}}' })] });
    const results = await def.handle.batch([record(broken), record(filtered({ channels: ['IN_APP'] }))]);
    expect(results[0]).toBeInstanceOf(Error);
    expect(Array.isArray(results[1])).toBe(true);

    const down = routeProcessor(parseRoutingConfig(undefined), live, { suppressedAmong: async () => Promise.reject(new Error('mongo down')) });
    if (!('batch' in down.handle)) throw new Error('expected a batch handler');
    await expect(down.handle.batch([record(filtered())])).rejects.toThrow('mongo down');
  });

  it('makes no lookup for a slice without an email address or phone number', async () => {
    const suppressions = store([]);
    const def = routeProcessor(parseRoutingConfig(undefined), live, suppressions);
    if (!('batch' in def.handle)) throw new Error('expected a batch handler');
    await def.handle.batch([record(filtered({ channels: ['IN_APP'], recipient: recipient({ email: null, phone: null }) }))]);
    expect(suppressions.calls).toEqual([]);
  });
});
