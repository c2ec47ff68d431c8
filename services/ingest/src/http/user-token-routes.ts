import { caller, issueUserToken, type UserTokenKey } from '@notify/http';
import { Router } from 'express';
import { parseInput } from './parse-input.js';
import { identifierSchema } from './schemas/identifiers.js';
import { userTokenBodySchema, type UserTokenResponse } from './schemas/user-token-schema.js';

export interface UserTokenKeyStore {
  /** The key the tenant's tokens are signed with, created on first use. */
  signingKey(tenantId: string): Promise<UserTokenKey>;
}

export interface UserTokenRoutesDependencies {
  userTokenKeys: UserTokenKeyStore;
}

/**
 * End-user tokens, issued server to server with an API key: the tenant's backend asks for a token for
 * one of its users and hands it to that user's browser or app, which reads that user's inbox and opens
 * that user's WebSocket on inapp-gateway without ever holding the API key.
 */
export function userTokenRoutes(deps: UserTokenRoutesDependencies): Router {
  const router = Router();

  router.post('/users/:userId/tokens', async (req, res) => {
    const { tenantId } = caller(res);
    const userId = parseInput(identifierSchema, req.params.userId, ['userId']);
    const { ttlSeconds } = parseInput(userTokenBodySchema, req.body ?? {});
    const key = await deps.userTokenKeys.signingKey(tenantId);
    const { token, expiresAt } = await issueUserToken({ tenantId, userId, key, ttlSeconds });
    const body: UserTokenResponse = { token, expiresAt: expiresAt.toISOString(), userId };
    res.status(201).set('cache-control', 'no-store').json(body);
  });

  return router;
}
