import { ControlsStore, ControlsWatcher, CircuitBreaker } from '@notify/controls';
import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { SuppressionRepository } from '@notify/stores';
import { routerEnvSchema } from './config.js';
import { parseRoutingConfig } from './domain/routing-config.js';
import { routeProcessor } from './route-processor.js';

await runService('channel-router', routerEnvSchema, async (ctx) => {
  const { env } = ctx;
  const routing = parseRoutingConfig(env.ROUTING_CONFIG);
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  const redis = connectRedis(ctx, env.REDIS_URL);
  const watcher = new ControlsWatcher(new ControlsStore(redis), new CircuitBreaker(redis), env.CONTROLS_REFRESH_MS, ctx.logger);
  await watcher.start();
  ctx.onShutdown(() => watcher.stop());
  ctx.addProcessor(
    routeProcessor(
      routing,
      () => {
        const { controls, openCircuits } = watcher.snapshot();
        // Kill switches hold messages at the senders; here only circuits and rollout steer new traffic.
        return { state: { disabled: new Set(), openCircuits }, rollout: controls.rollout };
      },
      new SuppressionRepository(db),
    ),
  );
});
