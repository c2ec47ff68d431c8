import { z } from 'zod';

/** inapp-gateway's own variables (the runtime validates the common ones). */
export const gatewayEnvSchema = z.object({
  MONGODB_URI: z.string().min(1),
  REDIS_URL: z.string().min(1),
  /** Port of the WebSocket endpoint and the inbox REST API. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** Ping interval; a socket silent for two intervals is closed. */
  WS_HEARTBEAT_MS: z.coerce.number().int().min(1_000).default(30_000), // 30 s
  /** Unsent bytes a socket may hold before it is dropped as a slow consumer. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(1_048_576), // 1 MiB
});

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;
