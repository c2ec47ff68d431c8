import { CircuitBreaker, ControlsStore, ControlsWatcher } from '@notify/controls';
import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { createRecipientCache, ensureIndexes, RecipientRepository } from '@notify/stores';
import { randomUUID } from 'node:crypto';
import { checkClaimOutlastsCall, providerConfig, senderEnvSchema, type SenderEnv } from './config.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { InAppAdapter } from './inapp/inapp-adapter.js';
import { loadProviderAdapter } from './providers/load-adapter.js';
import type { ProviderAdapter } from './providers/provider-adapter.js';
import { createSenderMetrics } from './sender-metrics.js';
import { senderProcessor } from './sender-processor.js';

// One deployment per provider, each under its own name in logs, metrics and its Kafka client id.
const nameFromEnv = (env: SenderEnv) => `sender-${env.SENDER_PROVIDER}`;

await runService('sender', senderEnvSchema, async (ctx) => {
  const { env } = ctx;
  checkClaimOutlastsCall(env);
  const built = providerConfig(env);
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  await ensureIndexes(db);
  const redis = connectRedis(ctx, env.REDIS_URL);
  const adapter: ProviderAdapter = built.provider === 'inapp' ? new InAppAdapter(db, redis) : await loadProviderAdapter(built.provider, built.config as never);
  ctx.onShutdown(() => adapter.close());

  const breaker = new CircuitBreaker(redis, {
    failureThreshold: env.CIRCUIT_FAILURE_THRESHOLD,
    failureRatio: env.CIRCUIT_FAILURE_RATIO,
    minimumCalls: env.CIRCUIT_MIN_CALLS,
    failureWindowMs: env.CIRCUIT_WINDOW_MS,
    openMs: env.CIRCUIT_OPEN_MS,
  });
  const controls = new ControlsWatcher(new ControlsStore(redis), breaker, env.CONTROLS_REFRESH_MS, ctx.logger);
  await controls.start();
  ctx.onShutdown(() => controls.stop());

  const metrics = createSenderMetrics(ctx.registry);
  const circuitGauge = setInterval(() => {
    breaker
      .state(adapter.provider)
      .then((s) => metrics.circuitState.set({ provider: adapter.provider }, s === 'open' ? 2 : s === 'half-open' ? 1 : 0))
      // Redis down: keep the last value. Left unhandled, the rejection would stop the service.
      .catch((err: unknown) => ctx.logger.debug({ err }, 'circuit state unavailable'));
  }, env.CONTROLS_REFRESH_MS);
  circuitGauge.unref();
  ctx.onShutdown(() => clearInterval(circuitGauge));

  // A random owner per process: a restarted sender never mistakes its predecessor's claim for its own.
  const ledger = new DeliveryLedger(redis, db, `${env.INSTANCE_ID}:${randomUUID()}`, env.CLAIM_TTL_MS);
  // Forgetting a token invalidates the recipient's cached profile, the one enrichment reads.
  const recipients = new RecipientRepository(db, { cache: createRecipientCache(redis) });
  const deviceTokens = { forget: async (tenantId: string, userId: string, token: string) => void (await recipients.removeDeviceToken(tenantId, userId, token)) };
  ctx.addProcessor(
    senderProcessor({ adapter, ledger, breaker, metrics, timeoutMs: env.SEND_TIMEOUT_MS, concurrency: env.SEND_CONCURRENCY, logger: ctx.logger, deviceTokens }, controls),
  );
}, { nameFromEnv });
