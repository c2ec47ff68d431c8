import type { ApiKeyDoc, ApiKeyRepository } from '@notify/stores';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from './http-errors.js';

export interface Caller {
  tenantId: string;
  keyId: string;
  scopes: string[];
  rateLimitPerMinute: number;
}

/** The authenticated caller of a request; set by apiKeyAuth. */
export function caller(res: Response): Caller {
  const c = res.locals.caller as Caller | undefined;
  if (!c) throw new HttpError(401, 'UNAUTHENTICATED', 'missing API key');
  return c;
}

function presentedKey(req: Request): string | undefined {
  const auth = req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return req.header('x-api-key') ?? undefined;
}

/** API key from `Authorization: Bearer <key>` or `X-API-Key`, verified against its stored hash. */
export function apiKeyAuth(keys: Pick<ApiKeyRepository, 'verify'>, requiredScope?: string): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    if (!key) return next(new HttpError(401, 'UNAUTHENTICATED', 'missing API key (Authorization: Bearer <key>)', { 'www-authenticate': 'Bearer' }));
    let doc: ApiKeyDoc | null;
    try {
      doc = await keys.verify(key);
    } catch (err) {
      return next(err);
    }
    if (!doc) return next(new HttpError(401, 'UNAUTHENTICATED', 'invalid or revoked API key', { 'www-authenticate': 'Bearer' }));
    if (requiredScope && !doc.scopes.includes(requiredScope)) {
      return next(new HttpError(403, 'FORBIDDEN', `this key lacks the ${requiredScope} scope`));
    }
    res.locals.caller = { tenantId: doc.tenantId, keyId: doc._id, scopes: doc.scopes, rateLimitPerMinute: doc.rateLimitPerMinute } satisfies Caller;
    next();
  };
}
