import { controlsEnv, mongoEnv, redisEnv } from '@notify/runtime';
import { z } from 'zod';

/** channel-router's own variables (the runtime validates the common ones). */
export const routerEnvSchema = z.object({
  /** JSON routing config (providers per channel, fallbacks, channel fallback chains, rollout); defaults when unset. */
  ROUTING_CONFIG: z.string().optional(),
  /** Where the addresses marked undeliverable are (SuppressionRepository). */
  ...mongoEnv.shape,
  ...redisEnv.shape,
  ...controlsEnv.shape,
});
