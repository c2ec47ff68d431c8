import type { MongoClient } from 'mongodb';

/** Commands the MongoDB server executed, by name: total and failed (serverStatus metrics.commands). */
export type CommandCounts = Record<string, { total: number; failed: number }>;

/** The server's command counters, or undefined when it does not report them. */
export async function commandCounts(client: MongoClient): Promise<CommandCounts | undefined> {
  try {
    const status = await client.db('admin').command({ serverStatus: 1 });
    const commands = (
      status.metrics as { commands?: Record<string, { total?: unknown; failed?: unknown }> } | undefined
    )?.commands;
    if (!commands) return undefined;
    const out: CommandCounts = {};
    for (const [name, c] of Object.entries(commands)) {
      if (typeof c?.total === 'object' || c?.total === undefined) continue;
      out[name] = { total: Number(c.total), failed: Number(c.failed ?? 0) };
    }
    return out;
  } catch {
    return undefined;
  }
}

/** What the server did between two readings, per second, for the commands the pipeline uses. */
export interface StoreActivity {
  /** Commands per second by name (insert, update, find, aggregate, delete, findAndModify). */
  perSecond: Record<string, number>;
  /** Failed commands in the window by name (e.g. lock timeouts). */
  failed: Record<string, number>;
}

const DATA_COMMANDS = [
  'insert',
  'update',
  'find',
  'aggregate',
  'delete',
  'findAndModify',
  'count',
  'getMore',
];

export function storeActivity(
  from: CommandCounts | undefined,
  to: CommandCounts | undefined,
  seconds: number,
): StoreActivity | undefined {
  if (!from || !to) return undefined;
  const perSecond: Record<string, number> = {};
  const failed: Record<string, number> = {};
  for (const name of DATA_COMMANDS) {
    const a = from[name] ?? { total: 0, failed: 0 };
    const b = to[name];
    if (!b) continue;
    const total = b.total - a.total;
    if (total > 0) perSecond[name] = Math.round((total / Math.max(0.001, seconds)) * 10) / 10;
    if (b.failed - a.failed > 0) failed[name] = b.failed - a.failed;
  }
  return { perSecond, failed };
}
