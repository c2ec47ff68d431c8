import { randomUUID } from 'node:crypto';
import { createLogger } from '@notify/runtime';
import { ensureIndexes } from '@notify/stores';
import { Redis } from 'ioredis';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';

export const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';

export const silentLogger = createLogger('ingest-test', 'silent');

/** A database of its own for one test file, with the stores' indexes; dropped by `close`. */
export async function openTestDb(label: string): Promise<{
  db: Db;
  /** The commands (`<command> <collection>`) sent to this database while `run` runs. */
  commandsDuring: (run: () => Promise<unknown>) => Promise<string[]>;
  close: () => Promise<void>;
}> {
  const client = await new MongoClient(MONGODB_URI, {
    serverSelectionTimeoutMS: 5_000,
    monitorCommands: true,
  }).connect();
  const db = client.db(`test_ingest_${label}_${randomUUID().slice(0, 8)}`);
  await ensureIndexes(db);
  return {
    db,
    commandsDuring: async (run) => {
      const seen: string[] = [];
      const listener = (event: CommandStartedEvent) => {
        if (event.databaseName === db.databaseName)
          seen.push(`${event.commandName} ${String(event.command[event.commandName])}`);
      };
      client.on('commandStarted', listener);
      try {
        await run();
      } finally {
        client.off('commandStarted', listener);
      }
      return seen;
    },
    close: async () => {
      await db.dropDatabase();
      await client.close();
    },
  };
}

/** A Redis client and a key prefix unique to this run; `close` deletes the prefix's keys. */
export function openTestRedis(label: string): { redis: Redis; prefix: string; close: () => Promise<void> } {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `test:ingest:${label}:${randomUUID().slice(0, 8)}:`;
  return {
    redis,
    prefix,
    close: async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
