import { sourceTopicOfDlq, type DlqEntry } from './dlq-entry.js';

export interface DlqTopicStats {
  topic: string;
  sourceTopic: string;
  entries: number;
  /** Dead-lettered-at of the oldest and newest entry, epoch millis; null when the topic is empty. */
  oldest: number | null;
  newest: number | null;
  /** Entries by error code; entries without one count as "(none)". */
  codes: Record<string, number>;
}

export const NO_CODE = '(none)';

/** Sums up dead-letter topics entry by entry. */
export class DlqStatsCollector {
  private readonly byTopic = new Map<string, DlqTopicStats>();

  constructor(topics: string[]) {
    for (const topic of topics) {
      this.byTopic.set(topic, {
        topic,
        sourceTopic: sourceTopicOfDlq(topic),
        entries: 0,
        oldest: null,
        newest: null,
        codes: {},
      });
    }
  }

  add(entry: DlqEntry): void {
    let s = this.byTopic.get(entry.dlqTopic);
    if (!s) {
      s = {
        topic: entry.dlqTopic,
        sourceTopic: sourceTopicOfDlq(entry.dlqTopic),
        entries: 0,
        oldest: null,
        newest: null,
        codes: {},
      };
      this.byTopic.set(entry.dlqTopic, s);
    }
    const at = entry.failure.deadLetteredAt;
    s.entries++;
    s.oldest = s.oldest === null ? at : Math.min(s.oldest, at);
    s.newest = s.newest === null ? at : Math.max(s.newest, at);
    const code = entry.failure.code || NO_CODE;
    s.codes[code] = (s.codes[code] ?? 0) + 1;
  }

  stats(): DlqTopicStats[] {
    return [...this.byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  }
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** A fixed-width table, one DLQ per line, codes by descending count. */
export function formatStatsTable(stats: DlqTopicStats[]): string {
  if (stats.length === 0) return 'no dead-letter topics\n';
  const rows = stats.map((s) => [
    s.topic,
    String(s.entries),
    iso(s.oldest),
    iso(s.newest),
    Object.entries(s.codes)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([code, n]) => `${code}=${n}`)
      .join(' ') || '-',
  ]);
  const header = ['DLQ TOPIC', 'ENTRIES', 'OLDEST', 'NEWEST', 'ERROR CODES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
