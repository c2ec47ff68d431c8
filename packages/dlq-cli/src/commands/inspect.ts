import type { SchemaName } from '@notify/schemas';
import type { CommandIo } from '../cli-io.js';
import type { Connection } from '../connection.js';
import { assertDlqTopic, readEntries } from '../dlq-reader.js';
import { formatEntryText, toEntryView, toJson, type EntryView } from '../entry-view.js';
import { matchesFilter, notificationIdOf, type EntryFilter } from '../filters.js';
import { terminalProgress } from '../progress.js';

export interface InspectOptions {
  filter: EntryFilter;
  /** Show at most this many entries (the oldest matching ones). */
  limit?: number;
  json?: boolean;
  /** Read values with this schema instead of the source topic's. */
  schema?: SchemaName;
}

export interface InspectResult {
  topic: string;
  scanned: number;
  matched: number;
  entries: EntryView[];
}

/** Dead letters of one DLQ, filtered, decoded where the source topic's schema reads them, with all headers. */
export async function inspectCommand(
  conn: Pick<Connection, 'kafka' | 'admin' | 'decoder'>,
  topic: string,
  options: InspectOptions,
  io: CommandIo,
): Promise<InspectResult> {
  await assertDlqTopic(conn.admin, topic);
  const decoder = conn.decoder(options.schema);
  const matched: Array<{ at: number; view: EntryView }> = [];
  let scanned = 0;
  const progress = terminalProgress(io.stderr);
  try {
    await readEntries(
      conn.kafka,
      conn.admin,
      [topic],
      async (entry) => {
        scanned++;
        if (!matchesFilter(entry, { ...options.filter, ids: [] })) return;
        const decoded = await decoder.decodeAs(entry.failure.sourceTopic, entry.value);
        if (!matchesFilter(entry, options.filter, decoded.ok ? notificationIdOf(decoded.value) : undefined))
          return;
        matched.push({ at: entry.failure.deadLetteredAt, view: toEntryView(entry, decoded) });
      },
      {
        onProgress: ({ done, total }) => progress.update(done, total, `matched ${matched.length}`),
        ...(io.signal ? { signal: io.signal } : {}),
      },
    );
  } finally {
    progress.stop();
  }
  matched.sort(
    (a, b) =>
      a.at - b.at ||
      a.view.partition - b.view.partition ||
      Number(BigInt(a.view.offset) - BigInt(b.view.offset)),
  );
  const entries = matched.slice(0, options.limit ?? matched.length).map((m) => m.view);
  const result: InspectResult = { topic, scanned, matched: matched.length, entries };
  if (options.json) {
    io.stdout.write(`${toJson(result)}\n`);
  } else {
    for (const e of entries) io.stdout.write(`${formatEntryText(e)}\n`);
    io.stdout.write(`${entries.length} shown, ${matched.length} matched, ${scanned} scanned in ${topic}\n`);
  }
  return result;
}
