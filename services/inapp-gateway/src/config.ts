import { httpEnv, mongoEnv, redisEnv } from '@notify/runtime';
import { z } from 'zod';

/** inapp-gateway's own variables (the runtime validates the common ones). */
export const gatewayEnvSchema = z.object({
  ...mongoEnv.shape,
  ...redisEnv.shape,
  ...httpEnv.shape,
  /** Ping interval; a socket silent for two intervals is closed. */
  WS_HEARTBEAT_MS: z.coerce.number().int().min(1_000).default(30_000), // 30 s
  /** Unsent bytes a socket may hold before it is dropped as a slow consumer. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(1_048_576), // 1 MiB
  /**
   * How long a tenant's end-user token keys, once read, are reused. A token naming a key not read yet is
   * read again at once; a key retired by a rotation that drops it still verifies here at most this long.
   */
  USER_TOKEN_KEY_CACHE_MS: z.coerce.number().int().min(0).default(60_000), // 1 min
  /** Inbox REST requests per minute one end user may make with tokens. */
  USER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(120),
});

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;
