import { ErrorCodes, toFailure, ValidationError, type Logger } from '@notify/runtime';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

/** An HTTP-level refusal with its status (auth, limits, conflicts), in the same JSON shape as the rest. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The body-parser error type of a JSON body that is not UTF-8 (see createHttpApp). */
export const INVALID_UTF8 = 'encoding.invalid-utf8';

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  [ErrorCodes.VALIDATION]: 400,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.DEPENDENCY_UNAVAILABLE]: 503,
};

/** The HTTP status of a failure's error code; any code not answered otherwise is a 500. */
export function httpStatusFor(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Maps every error to `{ error: { code, message, fields? } }`; 5xx details stay in the log. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const body = err as { type?: string; status?: number };
    if (body?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' } });
      return;
    }
    if (body?.type === INVALID_UTF8) {
      res.status(400).json({ error: { code: ErrorCodes.VALIDATION, message: 'request body is not valid UTF-8', fields: [{ path: '', message: 'invalid UTF-8' }] } });
      return;
    }
    if (body?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: ErrorCodes.VALIDATION, message: 'request body is not valid JSON', fields: [{ path: '', message: 'invalid JSON' }] } });
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).set(err.headers).json({ error: { code: err.code, message: err.message } });
      return;
    }
    const failure = toFailure(err);
    const status = httpStatusFor(failure.code);
    if (status >= 500) logger.error({ err: failure, path: req.path }, 'request failed');
    res.status(status).json({
      error: {
        code: failure.code,
        message: status >= 500 && status !== 503 ? 'internal error' : failure.message,
        ...(failure instanceof ValidationError ? { fields: failure.issues } : {}),
      },
    });
  };
}
