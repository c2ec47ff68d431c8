import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { ApiKeyRepository, ensureIndexes, InboxRepository, UserTokenSecretRepository } from '@notify/stores';
import { Redis } from 'ioredis';
import { gatewayEnvSchema } from './config.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { startGatewayServer } from './gateway-server.js';
import { createInboxApp } from './inbox-app.js';
import { InboxFanout } from './inbox-fanout.js';
import { SocketGateway } from './socket-gateway.js';

await runService('inapp-gateway', gatewayEnvSchema, async (ctx) => {
  const { env } = ctx;
  const metrics = createGatewayMetrics(ctx.registry);
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  // Where the server does not expire the inbox by itself, ingest's TtlSweeper does.
  await ensureIndexes(db);

  const redis = connectRedis(ctx, env.REDIS_URL);
  const keys = new ApiKeyRepository(db);
  const userTokenKeys = new UserTokenSecretRepository(db, { verifyCacheMs: env.USER_TOKEN_KEY_CACHE_MS });
  const inbox = new InboxRepository(db);
  const gateway = new SocketGateway({ keys, userTokenKeys, inbox, logger: ctx.logger, metrics, heartbeatMs: env.WS_HEARTBEAT_MS, maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES });

  // Subscriber mode takes a connection of its own.
  const subscriber = new Redis(env.REDIS_URL, { connectionName: 'inapp-gateway-subscriber', retryStrategy: (times) => Math.min(times * 200, 5_000) });
  subscriber.on('error', (err) => ctx.logger.debug({ err }, 'redis subscriber connection error'));
  const fanout = new InboxFanout(subscriber, { onMessage: (channel, payload) => gateway.deliver(channel, payload), onResubscribed: () => gateway.resyncAll() }, ctx.logger);
  await fanout.start();
  ctx.addReadinessCheck('redis-subscription', () => fanout.isSubscribed);
  ctx.onShutdown(() => fanout.close());

  const app = createInboxApp({
    logger: ctx.logger,
    registry: ctx.registry,
    keys,
    userTokenKeys,
    userRateLimitPerMinute: env.USER_RATE_LIMIT_PER_MINUTE,
    inbox,
    redis,
  });
  ctx.onStarted(async () => {
    const server = await startGatewayServer(app, gateway, env.HTTP_PORT);
    ctx.onShutdown(() => server.close());
    ctx.logger.info({ httpPort: server.port }, 'in-app gateway listening');
  });
});
