import { listen } from '@notify/http';
import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import { ensureIndexes, NotificationRepository, SuppressionRepository } from '@notify/stores';
import { createCallbackApp } from './callback-app.js';
import { trackerEnvSchema } from './config.js';
import { FirstSeenClock } from './first-seen-clock.js';
import { NotificationLookup } from './notification-lookup.js';
import { SendGridSignatureVerifier } from './sendgrid-signature.js';
import { SnsSignatureVerifier } from './sns-signature.js';
import { timelineProcessor } from './timeline-processor.js';
import { createTrackerMetrics, recordEventMetrics } from './tracker-metrics.js';

await runService('status-tracker', trackerEnvSchema, async (ctx) => {
  const { env } = ctx;
  const metrics = createTrackerMetrics(ctx.registry);
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  await ensureIndexes(db);
  const lookup = new NotificationLookup(db);
  const redis = connectRedis(ctx, env.REDIS_URL);

  ctx.addProcessor(
    timelineProcessor(new NotificationRepository(db), {
      onRecorded: (event) => recordEventMetrics(metrics, ctx.name, event),
    }),
  );

  const app = createCallbackApp({
    logger: ctx.logger,
    registry: ctx.registry,
    metrics,
    lookup,
    publisher: ctx.publisher([Topics.status]),
    suppressions: new SuppressionRepository(db),
    bodyLimit: env.CALLBACK_BODY_LIMIT,
    ...(env.SENDGRID_WEBHOOK_PUBLIC_KEY ? { sendgrid: { verifier: new SendGridSignatureVerifier(env.SENDGRID_WEBHOOK_PUBLIC_KEY) } } : {}),
    ...(env.SES_SNS_TOPIC_ARNS
      ? { ses: { verifier: new SnsSignatureVerifier(env.SNS_HOST_PATTERN ? { hostPattern: env.SNS_HOST_PATTERN } : {}), topicArns: env.SES_SNS_TOPIC_ARNS } }
      : {}),
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
      {
        httpPort: server.port,
        sendgridCallbacks: Boolean(env.SENDGRID_WEBHOOK_PUBLIC_KEY),
        twilioCallbacks: Boolean(env.TWILIO_AUTH_TOKEN),
        sesCallbacks: Boolean(env.SES_SNS_TOPIC_ARNS),
      },
      'callback endpoints listening',
    );
  });
});
