import { mongoEnv, redisEnv } from '@notify/runtime';
import { z } from 'zod';

/** enrichment's own variables (the runtime validates the common ones). */
export const enrichmentEnvSchema = z.object({
  ...mongoEnv.shape,
  ...redisEnv.shape,
  /** How long a tenant's default locale is kept in memory. */
  TENANT_CACHE_MS: z.coerce.number().int().positive().default(60_000), // one minute
});
