import { connectMongo, connectRedis, runService } from '@notify/runtime';
import { createRecipientCache, createTemplateCache, RecipientRepository, TemplateRepository, TenantRepository } from '@notify/stores';
import { enrichmentEnvSchema } from './config.js';
import { enrichProcessor } from './enrich-processor.js';
import { TenantLocales } from './tenant-locales.js';

await runService('enrichment', enrichmentEnvSchema, async (ctx) => {
  const { env } = ctx;
  const { db } = await connectMongo(ctx, env.MONGODB_URI);
  const redis = connectRedis(ctx, env.REDIS_URL);
  ctx.addProcessor(
    enrichProcessor({
      recipients: new RecipientRepository(db, { cache: createRecipientCache(redis) }),
      templates: new TemplateRepository(db, { cache: createTemplateCache(redis) }),
      locales: new TenantLocales(new TenantRepository(db), env.TENANT_CACHE_MS),
    }),
  );
});
