import { z } from 'zod';

/** enrichment's own variables (the runtime validates the common ones). */
export const enrichmentEnvSchema = z.object({
  MONGODB_URI: z.string().min(1),
  REDIS_URL: z.string().min(1),
  /** How long a tenant's default locale is kept in memory. */
  TENANT_CACHE_MS: z.coerce.number().int().positive().default(60_000), // one minute
});
