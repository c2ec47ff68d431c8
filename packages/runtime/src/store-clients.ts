import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { retryStep } from './retry-step.js';
import type { ServiceContext } from './service.js';

/**
 * MongoDB for a service: connected (waiting for a server that does not answer at once), pinged by /readyz,
 * its commands counted, closed on shutdown. The driver reconnects by itself; operations during an outage
 * fail and are classified as an unavailable dependency.
 */
export async function connectMongo(ctx: ServiceContext, uri: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, appName: ctx.name, monitorCommands: true });
  const commands = ctx.metrics.mongoCommands;
  client.on('commandStarted', (e) => commands.inc({ service: ctx.name, command: e.commandName }));
  // A server that is restarting, or too busy to answer a new connection at once, is waited for: the
  // service starts when it answers, rather than exiting for the orchestrator to try again.
  await retryStep('connect to MongoDB', () => client.connect(), ctx.logger);
  const db = client.db();
  ctx.addReadinessCheck('mongodb', async () => {
    await db.command({ ping: 1 });
    return true;
  });
  ctx.onShutdown(() => client.close());
  return { client, db };
}

/** Redis for a service: commands fail fast while it is down instead of queueing without bound. */
export function connectRedis(ctx: ServiceContext, url: string, role = 'redis'): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectionName: `${ctx.name}-${role}`,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
  redis.on('error', (err) => ctx.logger.debug({ err, role }, 'redis connection error'));
  ctx.addReadinessCheck(role, async () => (await redis.ping()) === 'PONG');
  ctx.onShutdown(async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  return redis;
}
