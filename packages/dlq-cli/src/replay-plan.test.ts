import { Headers } from '@notify/runtime';
import type { IHeaders } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toDlqEntry } from './dlq-entry.js';
import type { DecodeResult, EntryDecoder } from './entry-decoder.js';
import { parseFilter } from './filters.js';
import { ReplayPlanner } from './replay-plan.js';

const SOURCE = 'orders.in';

function entry(value: string, headers: Record<string, string> = {}) {
  const raw: IHeaders = {
    [Headers.TRACEPARENT]: Buffer.from('00-a-b-01'),
    [Headers.SOURCE_TOPIC]: Buffer.from(SOURCE),
    [Headers.ERROR_CODE]: Buffer.from('VALIDATION'),
  };
  for (const [k, v] of Object.entries(headers)) raw[k] = Buffer.from(v);
  return toDlqEntry(`${SOURCE}.dlq`, 1, {
    key: Buffer.from('t1:u1'),
    value: Buffer.from(value),
    offset: '5',
    timestamp: '100',
    attributes: 0,
    headers: raw,
  });
}

/** Values "id:<n>" decode for any topic; "bad" never does; "src-only" decodes only for the source topic. */
const decoder = {
  async decodeAs(topic: string, bytes: Buffer | null): Promise<DecodeResult> {
    const text = bytes!.toString();
    if (text.startsWith('id:'))
      return {
        ok: true,
        schema: 'notification-accepted',
        value: { notification: { notificationId: text.slice(3) } },
      };
    if (text === 'src-only' && topic === SOURCE)
      return { ok: true, schema: 'notification-accepted', value: { notificationId: 'n-src' } };
    return { ok: false, reason: 'incompatible-schema', message: `cannot read as ${topic}` };
  },
} as unknown as EntryDecoder;

const planner = (filter = parseFilter({}), target?: string) =>
  new ReplayPlanner(decoder, {
    filter,
    existingTopics: new Set([SOURCE, 'elsewhere']),
    clock: () => 777,
    ...(target ? { target } : {}),
  });

describe('ReplayPlanner', () => {
  it('publishes to the source topic with key, value and replay headers', async () => {
    const plan = await planner().plan(entry('id:n-1'));
    expect(plan).toMatchObject({ kind: 'publish', target: SOURCE, notificationId: 'n-1' });
    if (plan.kind !== 'publish') throw new Error('expected publish');
    expect(plan.message.key?.toString()).toBe('t1:u1');
    expect(plan.message.value?.toString()).toBe('id:n-1');
    expect(plan.message.headers).toEqual({
      [Headers.TRACEPARENT]: Buffer.from('00-a-b-01'),
      [Headers.REPLAY_COUNT]: '1',
      [Headers.REPLAYED_AT]: '777',
    });
  });

  it('skips entries out of the filter, including undecodable ones under an id filter', async () => {
    expect(await planner(parseFilter({ code: ['NOT_FOUND'] })).plan(entry('id:n-1'))).toEqual({
      kind: 'skip',
    });
    expect(await planner(parseFilter({ id: ['n-2'] })).plan(entry('id:n-1'))).toEqual({ kind: 'skip' });
    expect(await planner(parseFilter({ id: ['n-2'] })).plan(entry('bad'))).toEqual({ kind: 'skip' });
    expect((await planner(parseFilter({ id: ['n-2'] })).plan(entry('id:n-2'))).kind).toBe('publish');
  });

  it('refuses what the target topic cannot read, with the reason', async () => {
    expect(await planner().plan(entry('bad'))).toEqual({
      kind: 'refuse',
      target: SOURCE,
      reason: 'incompatible-schema',
      message: `cannot read as ${SOURCE}`,
    });
    expect(await planner(parseFilter({}), 'elsewhere').plan(entry('src-only'))).toMatchObject({
      kind: 'refuse',
      target: 'elsewhere',
      notificationId: 'n-src',
    });
    expect(await planner(parseFilter({}), 'missing').plan(entry('id:n-1'))).toMatchObject({
      kind: 'refuse',
      reason: 'unknown-target-topic',
    });
  });
});
