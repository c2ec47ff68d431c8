import { ControlsStore } from '@notify/controls';
import { listen } from '@notify/http';
import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import {
  ApiKeyRepository,
  AuditLogRepository,
  createRecipientCache,
  createTemplateCache,
  ensureIndexes,
  IdempotencyRepository,
  NotificationRepository,
  PreferencesRepository,
  RecipientRepository,
  TemplateRepository,
  TenantRepository,
  TopicSubscriptionRepository,
  TtlSweeper,
  UserTokenSecretRepository,
} from '@notify/stores';
import { Intake } from './accept/intake.js';
import { KnownTenants } from './accept/known-tenants.js';
import { templateCatalog } from './accept/template-catalog.js';
import type { StoredAcceptance } from './domain/idempotency.js';
import { ingestEnvSchema } from './config.js';
import { createIngestApp } from './http/ingest-app.js';
import { broadcastExpander } from './kafka/broadcast-expander.js';
import { requestProcessor } from './kafka/request-processor.js';

await runService('ingest', ingestEnvSchema, async (ctx) => {
  const { env } = ctx;
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  const indexes = await ensureIndexes(db);
  if (indexes.ttlFallbacks.length > 0) {
    const sweeper = new TtlSweeper(
      db,
      indexes.ttlFallbacks.map((f) => f.spec),
      {
        intervalMs: env.TTL_SWEEP_INTERVAL_MS,
        onError: (err) => ctx.logger.warn({ err }, 'TTL sweep failed'),
      },
    ).start();
    ctx.onShutdown(() => sweeper.stop());
  }
  const redis = connectRedis(ctx, env.REDIS_URL);
  const onCacheError = (err: unknown) => ctx.logger.debug({ err }, 'cache unavailable; reading through');
  const cacheOptions = { ttlSeconds: env.CACHE_TTL_SECONDS, onError: onCacheError };

  const recipients = new RecipientRepository(db, { cache: createRecipientCache(redis, cacheOptions) });
  const templates = new TemplateRepository(db, { cache: createTemplateCache(redis, cacheOptions) });
  const notifications = new NotificationRepository(db);
  const topicSubscriptions = new TopicSubscriptionRepository(db);
  const publisher = ctx.publisher([Topics.accepted, Topics.status, Topics.broadcasts]);
  const intake = new Intake({
    tenants: new KnownTenants(new TenantRepository(db), { ttlMs: env.CACHE_TTL_SECONDS * 1000 }),
    recipients,
    templates: templateCatalog(templates),
    idempotency: new IdempotencyRepository<StoredAcceptance>(db, {
      leaseMs: env.IDEMPOTENCY_LEASE_MS,
      retentionMs: env.IDEMPOTENCY_RETENTION_MS,
    }),
    publish: (outputs, common) => publisher.publish(outputs, common),
    timeline: notifications,
    timelineSyncMaxRecipients: env.TIMELINE_SYNC_MAX_RECIPIENTS,
    logger: ctx.logger,
  });

  ctx.addProcessor(requestProcessor(intake));
  ctx.addProcessor(broadcastExpander({ subscribers: topicSubscriptions, pageSize: env.BROADCAST_PAGE_SIZE }));

  const app = createIngestApp({
    intake,
    notifications,
    recipients,
    preferences: new PreferencesRepository(db),
    templates,
    topicSubscriptions,
    controls: new ControlsStore(redis),
    audit: new AuditLogRepository(db),
    userTokenKeys: new UserTokenSecretRepository(db),
    apiKeys: new ApiKeyRepository(db, { verifiedCacheMs: env.API_KEY_CACHE_MS }),
    redis,
    logger: ctx.logger,
    registry: ctx.registry,
    bodyLimit: env.BODY_LIMIT,
    subscribersBodyLimit: env.SUBSCRIBERS_BODY_LIMIT,
  });
  ctx.onStarted(async () => {
    const server = await listen(app, env.HTTP_PORT);
    ctx.onShutdown(() => server.close());
    ctx.logger.info({ httpPort: server.port }, 'REST API listening');
  });
});
