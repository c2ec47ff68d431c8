import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { DigestWindowRepository, PreferencesRepository, ScheduledRepository } from '@notify/stores';
import { FrequencyCapStore } from './adapters/frequency-cap-store.js';
import { filterEnvSchema } from './config.js';
import { createDigestMetrics } from './digest-metrics.js';
import { parseFrequencyCapPolicy } from './domain/frequency-cap.js';
import { filterProcessor } from './filter-processor.js';

await runService('preference-filter', filterEnvSchema, async (ctx) => {
  const { env } = ctx;
  const capPolicy = parseFrequencyCapPolicy(env.FREQUENCY_CAPS);
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  const redis = connectRedis(ctx, env.REDIS_URL);
  const scheduled = new ScheduledRepository(db);
  await scheduled.ensureIndexes();
  ctx.addProcessor(
    filterProcessor({
      preferences: new PreferencesRepository(db),
      caps: new FrequencyCapStore(redis),
      scheduled,
      digests: new DigestWindowRepository(db),
      capPolicy,
      digestMetrics: createDigestMetrics(ctx.registry),
    }),
  );
});
