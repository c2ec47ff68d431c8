import type { SchemaName } from '@notify/schemas';
import type { CommandIo } from '../cli-io.js';
import type { Connection } from '../connection.js';
import { assertDlqTopic, assertTopicExists } from '../dlq-reader.js';
import { toJson } from '../entry-view.js';
import type { EntryFilter } from '../filters.js';
import { terminalProgress } from '../progress.js';
import { Replayer } from '../replayer.js';
import { formatReplaySummary, type ReplaySummary } from '../replay-summary.js';

export interface ReplayCommandOptions {
  name?: string;
  filter: EntryFilter;
  /** Target topic for every entry instead of its source topic. */
  to?: string;
  dryRun?: boolean;
  rate?: number;
  limit?: number;
  json?: boolean;
  /** Check values against this schema instead of the target topic's. */
  schema?: SchemaName;
}

/** Re-publishes the matching dead letters of one DLQ and reports what went, what was refused and why. */
export async function replayCommand(
  conn: Pick<Connection, 'kafka' | 'admin' | 'decoder'>,
  topic: string,
  options: ReplayCommandOptions,
  io: CommandIo,
): Promise<ReplaySummary> {
  await assertDlqTopic(conn.admin, topic);
  if (options.to) await assertTopicExists(conn.admin, options.to);
  const replayer = new Replayer({
    kafka: conn.kafka,
    admin: conn.admin,
    decoder: conn.decoder(options.schema),
  });
  const summary = await replayer.run({
    ...(options.name === undefined ? {} : { name: options.name }),
    dlqTopic: topic,
    filter: options.filter,
    dryRun: options.dryRun ?? false,
    progress: terminalProgress(io.stderr),
    ...(options.to ? { target: options.to } : {}),
    ...(options.rate === undefined ? {} : { ratePerSecond: options.rate }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  io.stdout.write(options.json ? `${toJson(summary)}\n` : formatReplaySummary(summary));
  return summary;
}
