import { listen } from '@notify/http';
import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import { ensureIndexes, NotificationRepository } from '@notify/stores';
import { createCallbackApp } from './callback-app.js';
import { trackerEnvSchema } from './config.js';
import { FirstSeenClock } from './first-seen-clock.js';
import { NotificationLookup } from './notification-lookup.js';
import { SendGridSignatureVerifier } from './sendgrid-signature.js';
import { timelineProcessor } from './timeline-processor.js';
import { createTrackerMetrics } from './tracker-metrics.js';

await runService('status-tracker', trackerEnvSchema, async (ctx) => {
  const { env } = ctx;
  const metrics = createTrackerMetrics(ctx.registry);
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  await ensureIndexes(db);
  const lookup = new NotificationLookup(db);
  const redis = connectRedis(ctx, env.REDIS_URL);

  ctx.addProcessor(
    timelineProcessor(new NotificationRepository(db), {
      onRecorded: (event) => metrics.statusEvents.inc({ service: ctx.name, status: event.status }),
    }),
  );

  const app = createCallbackApp({
    logger: ctx.logger,
    registry: ctx.registry,
    metrics,
    lookup,
    publisher: ctx.publisher([Topics.status]),
    bodyLimit: env.CALLBACK_BODY_LIMIT,
    ...(env.SENDGRID_WEBHOOK_PUBLIC_KEY ? { sendgrid: { verifier: new SendGridSignatureVerifier(env.SENDGRID_WEBHOOK_PUBLIC_KEY) } } : {}),
    ...(env.TWILIO_AUTH_TOKEN && env.PUBLIC_BASE_URL
      ? {
          twilio: {
            authToken: env.TWILIO_AUTH_TOKEN,
            publicBaseUrl: env.PUBLIC_BASE_URL,
            clock: new FirstSeenClock(redis, (err) => ctx.logger.warn({ err }, 'redis unavailable; callback time not deduplicated')),
          },
        }
      : {}),
  });
  ctx.onStarted(async () => {
    const server = await listen(app, env.HTTP_PORT);
    ctx.onShutdown(() => server.close());
    ctx.logger.info(
      { httpPort: server.port, sendgridCallbacks: Boolean(env.SENDGRID_WEBHOOK_PUBLIC_KEY), twilioCallbacks: Boolean(env.TWILIO_AUTH_TOKEN) },
      'callback endpoints listening',
    );
  });
});
