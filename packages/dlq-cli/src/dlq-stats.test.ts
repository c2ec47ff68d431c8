import { Headers } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { toDlqEntry } from './dlq-entry.js';
import { DlqStatsCollector, formatStatsTable } from './dlq-stats.js';

const entry = (topic: string, code: string | undefined, at: number) =>
  toDlqEntry(topic, 0, {
    key: null,
    value: null,
    offset: '0',
    timestamp: '1',
    attributes: 0,
    headers: {
      [Headers.DEAD_LETTERED_AT]: Buffer.from(String(at)),
      ...(code ? { [Headers.ERROR_CODE]: Buffer.from(code) } : {}),
    },
  });

describe('DlqStatsCollector', () => {
  it('counts entries, spans time and counts codes per topic, empty topics included', () => {
    const c = new DlqStatsCollector(['b.dlq', 'a.dlq']);
    c.add(entry('a.dlq', 'VALIDATION', 3000));
    c.add(entry('a.dlq', 'VALIDATION', 1000));
    c.add(entry('a.dlq', undefined, 2000));
    expect(c.stats()).toEqual([
      {
        topic: 'a.dlq',
        sourceTopic: 'a',
        entries: 3,
        oldest: 1000,
        newest: 3000,
        codes: { VALIDATION: 2, '(none)': 1 },
      },
      { topic: 'b.dlq', sourceTopic: 'b', entries: 0, oldest: null, newest: null, codes: {} },
    ]);
    const table = formatStatsTable(c.stats()).split('\n');
    expect(table[0]).toMatch(/^DLQ TOPIC\s+ENTRIES\s+OLDEST\s+NEWEST\s+ERROR CODES$/);
    expect(table[1]).toMatch(
      /^a\.dlq\s+3\s+1970-01-01T00:00:01\.000Z\s+1970-01-01T00:00:03\.000Z\s+VALIDATION=2 \(none\)=1$/,
    );
    expect(table[2]).toMatch(/^b\.dlq\s+0\s+-\s+-\s+-$/);
    expect(formatStatsTable([])).toBe('no dead-letter topics\n');
  });
});
