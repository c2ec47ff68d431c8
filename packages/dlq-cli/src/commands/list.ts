import type { CommandIo } from '../cli-io.js';
import type { Connection } from '../connection.js';
import { listDlqTopics, readEntries } from '../dlq-reader.js';
import { DlqStatsCollector, formatStatsTable, type DlqTopicStats } from '../dlq-stats.js';
import { toJson } from '../entry-view.js';
import { terminalProgress } from '../progress.js';

export interface ListOptions {
  /** Only DLQ topics whose name contains this text. */
  match?: string;
  json?: boolean;
}

/** Every `*.dlq` topic with its entry count, oldest and newest entry time and counts by error code. */
export async function listCommand(
  conn: Pick<Connection, 'kafka' | 'admin'>,
  options: ListOptions,
  io: CommandIo,
): Promise<DlqTopicStats[]> {
  const topics = await listDlqTopics(conn.admin, options.match);
  const collector = new DlqStatsCollector(topics);
  const progress = terminalProgress(io.stderr);
  try {
    await readEntries(conn.kafka, conn.admin, topics, (entry) => collector.add(entry), {
      onProgress: ({ done, total }) => progress.update(done, total, 'offsets read'),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  } finally {
    progress.stop();
  }
  const stats = collector.stats();
  if (options.json) {
    const view = stats.map((s) => ({
      ...s,
      oldest: s.oldest === null ? null : new Date(s.oldest).toISOString(),
      newest: s.newest === null ? null : new Date(s.newest).toISOString(),
    }));
    io.stdout.write(`${toJson({ topics: view })}\n`);
  } else {
    io.stdout.write(formatStatsTable(stats));
  }
  return stats;
}
