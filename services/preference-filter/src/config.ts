import { mongoEnv, redisEnv } from '@notify/runtime';
import { z } from 'zod';

/** preference-filter's and the scheduler's own variables (the runtime validates the common ones). */
export const filterEnvSchema = z.object({
  ...mongoEnv.shape,
  ...redisEnv.shape,
  /** JSON list of frequency caps: [{"category":"*","channel":"SMS","max":3,"windowMs":3600000}]. */
  FREQUENCY_CAPS: z.string().default('[]'),
});

export const schedulerEnvSchema = z.object({
  ...mongoEnv.shape,
  SCHEDULER_POLL_MS: z.coerce.number().int().positive().default(1_000), // 1 s
  SCHEDULER_LEASE_MS: z.coerce.number().int().positive().default(30_000), // 30 s
  SCHEDULER_BATCH_SIZE: z.coerce.number().int().positive().default(100),
});
