import { describe, expect, it } from 'vitest';
import { toDlqEntry } from './dlq-entry.js';
import { formatReplaySummary, ReplayTally } from './replay-summary.js';

const entry = (offset: string) =>
  toDlqEntry('a.dlq', 0, {
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    offset,
    timestamp: '1',
    attributes: 0,
    headers: {},
  });

describe('ReplayTally', () => {
  it('counts published, refused by reason and skipped', () => {
    const t = new ReplayTally(false);
    t.add(entry('0'), { kind: 'publish', target: 'a', message: { value: null }, notificationId: 'n-0' });
    t.add(entry('1'), { kind: 'publish', target: 'b', message: { value: null } });
    t.add(entry('2'), {
      kind: 'refuse',
      target: 'a',
      reason: 'wrong-magic-byte',
      message: 'wrong magic byte 110 (expected 0)',
    });
    t.add(entry('3'), {
      kind: 'refuse',
      target: 'a',
      reason: 'unknown-schema-id',
      message: 'unknown schema id 9',
    });
    t.add(entry('4'), { kind: 'skip' });
    expect(t.matched).toBe(4);
    const s = t.summary('fix-1', 'a.dlq', 'completed', 1500);
    expect(s).toMatchObject({
      published: 2,
      wouldPublish: 0,
      publishedByTarget: { a: 1, b: 1 },
      refused: 2,
      refusedByReason: { 'wrong-magic-byte': 1, 'unknown-schema-id': 1 },
      skippedByFilter: 1,
      plannedEntries: [],
    });
    const text = formatReplaySummary(s);
    expect(text).toContain('replay "fix-1" on a.dlq: completed');
    expect(text).toContain('published: 2 (a: 1, b: 1)');
    expect(text).toContain('refused: 2 (wrong-magic-byte: 1, unknown-schema-id: 1)');
    expect(text).toContain('[0]@2 key=k -> a: wrong-magic-byte: wrong magic byte 110 (expected 0)');
    expect(text).toContain('skipped by filter: 1');
    expect(text).toContain('elapsed: 1.5 s');
  });

  it('lists what a dry run would publish', () => {
    const t = new ReplayTally(true);
    t.add(entry('0'), { kind: 'publish', target: 'a', message: { value: null }, notificationId: 'n-0' });
    const s = t.summary(null, 'a.dlq', 'completed', 10);
    expect(s).toMatchObject({
      dryRun: true,
      published: 0,
      wouldPublish: 1,
      plannedEntries: [{ partition: 0, offset: '0', key: 'k', target: 'a', notificationId: 'n-0' }],
    });
    expect(formatReplaySummary(s)).toContain('would publish [0]@0 key=k id=n-0 -> a');
    expect(t.brief()).toBe('would publish 1 refused 0 skipped 0');
  });
});
