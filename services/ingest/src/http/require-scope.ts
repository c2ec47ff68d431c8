import { caller, HttpError } from '@notify/http';
import type { RequestHandler } from 'express';

/** Lets through only callers whose API key has `scope`; others get 403. Runs after apiKeyAuth. */
export function requireScope(scope: string): RequestHandler {
  return (_req, res, next) => {
    if (!caller(res).scopes.includes(scope))
      return next(new HttpError(403, 'FORBIDDEN', `this key lacks the ${scope} scope`));
    next();
  };
}
