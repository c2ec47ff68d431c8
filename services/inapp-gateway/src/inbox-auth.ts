import { HttpError, verifyUserToken, type Caller } from '@notify/http';
import { cacheKey, type ApiKeyRepository, type UserTokenSecretRepository } from '@notify/stores';
import type { RequestHandler, Response } from 'express';
import { headerCredential, type Credential } from './domain/socket-request.js';

/** Who a request or a socket is from. */
export type InboxPrincipal =
  /** A tenant's server: may act for any user of the tenant. */
  | { kind: 'api-key'; tenantId: string; keyId: string; scopes: string[]; rateLimitPerMinute: number }
  /** An end user holding a token: may act for that user only. */
  | { kind: 'user'; tenantId: string; userId: string; expiresAt: Date };

export interface InboxAuthDependencies {
  keys: Pick<ApiKeyRepository, 'verify'>;
  /** The tenants' keys verifying end-user tokens. */
  userTokenKeys: Pick<UserTokenSecretRepository, 'verificationKeys'>;
  /** Requests per minute one end user may make with tokens (all their tokens together). */
  userRateLimitPerMinute: number;
}

const challenge = { 'www-authenticate': 'Bearer' };

/** Verifies the credential; refuses with 401 naming why (an expired token, a revoked key, ...). */
export async function authenticate(credential: Credential, deps: Pick<InboxAuthDependencies, 'keys' | 'userTokenKeys'>): Promise<InboxPrincipal> {
  if (credential.kind === 'user-token') {
    const { tenantId, userId, expiresAt } = await verifyUserToken(credential.token, {
      keys: (tenant, kid) => deps.userTokenKeys.verificationKeys(tenant, kid),
    });
    return { kind: 'user', tenantId, userId, expiresAt };
  }
  const key = await deps.keys.verify(credential.apiKey);
  if (!key) throw new HttpError(401, 'UNAUTHENTICATED', 'invalid or revoked API key', challenge);
  return { kind: 'api-key', tenantId: key.tenantId, keyId: key._id, scopes: key.scopes, rateLimitPerMinute: key.rateLimitPerMinute };
}

/**
 * The user a request acts for: `requested` (a path or query parameter) for an API key; for a user token,
 * the token's user, and a different `requested` user is refused with 403.
 */
export function actingUser(principal: InboxPrincipal, requested: string | null): string {
  if (principal.kind === 'api-key') {
    if (requested === null) throw new HttpError(400, 'VALIDATION', 'userId: required');
    return requested;
  }
  if (requested !== null && requested !== principal.userId)
    throw new HttpError(403, 'FORBIDDEN', "this token is for another user: it serves only its own user's inbox");
  return principal.userId;
}

/** The principal set by inboxAuth. */
export function principal(res: Response): InboxPrincipal {
  const p = res.locals.principal as InboxPrincipal | undefined;
  if (!p) throw new HttpError(401, 'UNAUTHENTICATED', 'missing credentials', challenge);
  return p;
}

/**
 * Inbox REST authentication: `Authorization: Bearer <API key or user token>` (or `X-API-Key`), told apart
 * by shape. Sets the principal, and the caller the per-key rate limit counts (a user's requests are
 * counted per user, whatever token they bring).
 */
export function inboxAuth(deps: InboxAuthDependencies): RequestHandler {
  return async (req, res, next) => {
    const credential = headerCredential({ authorization: req.header('authorization'), 'x-api-key': req.header('x-api-key') });
    if (!credential) return next(new HttpError(401, 'UNAUTHENTICATED', 'missing credentials (Authorization: Bearer <API key or user token>)', challenge));
    let p: InboxPrincipal;
    try {
      p = await authenticate(credential, deps);
    } catch (err) {
      return next(err);
    }
    res.locals.principal = p;
    res.locals.caller = (
      p.kind === 'api-key'
        ? { tenantId: p.tenantId, keyId: p.keyId, scopes: p.scopes, rateLimitPerMinute: p.rateLimitPerMinute }
        : { tenantId: p.tenantId, keyId: `user:${cacheKey(p.tenantId, p.userId)}`, scopes: [], rateLimitPerMinute: deps.userRateLimitPerMinute }
    ) satisfies Caller;
    next();
  };
}
