import { z } from 'zod';

/** channel-router's own variables (the runtime validates the common ones). */
export const routerEnvSchema = z.object({
  /** JSON routing config (providers per channel, fallbacks, channel fallback chains, rollout); defaults when unset. */
  ROUTING_CONFIG: z.string().optional(),
  REDIS_URL: z.string().min(1),
  CONTROLS_REFRESH_MS: z.coerce.number().int().positive().default(2_000), // 2 s
});
