import { connectMongo, type ServiceContext, type ServiceEnv } from '@notify/runtime';
import { Topics } from '@notify/schemas';
import { ScheduledRepository } from '@notify/stores';
import { SchedulerLoop } from '../adapters/scheduler-loop.js';
import { schedulerEnvSchema } from '../config.js';

/**
 * The scheduler: re-emits deferred notifications to notify.enriched.v1 when due, unchanged (same bytes,
 * key and trace), so they pass through the preference filter again with the clock moved on. Leases make
 * replicas share the work without emitting one twice; emitting is at-least-once and the pipeline is
 * idempotent by notification id downstream.
 */
export async function wireScheduler(ctx: ServiceContext<ServiceEnv<typeof schedulerEnvSchema>>): Promise<void> {
  const { env } = ctx;
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  const store = new ScheduledRepository(db);
  await store.ensureIndexes();
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const loop = new SchedulerLoop({
    store,
    clock: () => ctx.now(),
    pollIntervalMs: env.SCHEDULER_POLL_MS,
    leaseMs: env.SCHEDULER_LEASE_MS,
    batchSize: env.SCHEDULER_BATCH_SIZE,
    onError: (err) => ctx.logger.warn({ err }, 'scheduler pass failed'),
    emit: async (docs) => {
      await producer.send({
        topic: Topics.enriched.name,
        acks: -1,
        messages: docs.map((d) => ({ key: d.key, value: d.payload, headers: d.headers })),
      });
      ctx.logger.info({ count: docs.length }, 'emitted due notifications');
    },
  });
  ctx.onStarted(async () => {
    await producer.connect();
    loop.start();
  });
  ctx.onShutdown(async () => {
    await loop.stop();
    await producer.disconnect();
  });
}
