import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { MongoClient, type Db } from 'mongodb';
import { Redis } from 'ioredis';

export const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27118/notify';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';

/** A database of its own for one test file, dropped by `close`. */
export async function openTestDb(label: string): Promise<{
  db: Db;
  client: MongoClient;
  commandsOn: (collection: string) => () => string[];
  close: () => Promise<void>;
}> {
  const client = await new MongoClient(MONGODB_URI, {
    serverSelectionTimeoutMS: 5_000,
    monitorCommands: true,
  }).connect();
  const db = client.db(`test_${label}_${randomUUID().slice(0, 8)}`);
  return {
    db,
    client,
    /** Starts recording the commands sent to a collection; the returned function reads them. */
    commandsOn: (collection) => {
      const seen: string[] = [];
      client.on('commandStarted', (event) => {
        if (event.databaseName === db.databaseName && event.command[event.commandName] === collection)
          seen.push(event.commandName);
      });
      return () => [...seen];
    },
    close: async () => {
      await db.dropDatabase();
      await client.close();
    },
  };
}

/** A Redis client and a key prefix unique to this run. */
export function openTestRedis(label: string): { redis: Redis; prefix: string; close: () => Promise<void> } {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `test:${label}:${randomUUID().slice(0, 8)}:`;
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

/**
 * A TCP proxy to the test MongoDB that closes a client connection as soon as that connection sends a
 * command named `command`, before the server sees it: the client loses its connection mid-command.
 */
export async function openCuttingProxy(command: string): Promise<{ uri: string; cuts: () => number; close: () => Promise<void> }> {
  const target = new URL(MONGODB_URI);
  const marker = Buffer.from(`\x02${command}\x00`, 'latin1'); // BSON: a string element named after the command
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 27017), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes(marker)) {
        cuts += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    uri: `mongodb://127.0.0.1:${port}${target.pathname}?directConnection=true`,
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
