import { USER_TOKEN_TTL_SECONDS } from '@notify/http';
import { z } from 'zod';

/** POST /v1/users/:userId/tokens: the body is optional; `{}` (or none) issues a 15-minute token. */
export const userTokenBodySchema = z
  .strictObject({
    ttlSeconds: z
      .int('must be a whole number of seconds')
      .min(USER_TOKEN_TTL_SECONDS.min) // 60 s
      .max(USER_TOKEN_TTL_SECONDS.max) // 86 400 s = 24 h
      .default(USER_TOKEN_TTL_SECONDS.default) // 900 s = 15 min
      .meta({
        description: `Lifetime of the token in seconds, from ${USER_TOKEN_TTL_SECONDS.min} to ${USER_TOKEN_TTL_SECONDS.max} (24 h); ${USER_TOKEN_TTL_SECONDS.default} (15 min) when left out`,
      }),
  })
  .meta({ description: 'Optional. Issues a token for one end user of the caller’s tenant.' });

export type UserTokenBody = z.output<typeof userTokenBodySchema>;

/** 201 answer of POST /v1/users/:userId/tokens. */
export const userTokenResponseSchema = z
  .object({
    token: z.string().meta({
      description:
        'JWT (HS256) for the in-app gateway: `?token=` on the WebSocket or `Authorization: Bearer` on the inbox routes; serves this user only',
    }),
    expiresAt: z.iso.datetime().meta({ description: 'When the token stops being accepted (ISO 8601, UTC)' }),
    userId: z.string(),
  })
  .meta({ description: 'A token for one end user, to hand to that user’s browser or app.' });

export type UserTokenResponse = z.output<typeof userTokenResponseSchema>;
