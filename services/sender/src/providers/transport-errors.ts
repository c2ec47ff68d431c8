import { ProviderError } from '@notify/runtime';

/** Error codes (from Node, axios and undici) that mean the other side did not answer in time. */
const TIMEOUT_CODES = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Classifies a failure that carries no provider status: a timeout when its code (or its cause's) says
 * so, otherwise a network failure. Already-classified ProviderErrors pass through.
 */
export function fromTransportError(provider: string, err: unknown, timeoutMs: number): ProviderError {
  if (err instanceof ProviderError) return err;
  if (isTimeout(err)) return ProviderError.timeout(provider, timeoutMs, err);
  return ProviderError.network(provider, err);
}

function isTimeout(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const e = err as { code?: unknown; name?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && TIMEOUT_CODES.has(e.code)) return true;
  if (e.name === 'TimeoutError') return true;
  return isTimeout(e.cause, depth + 1);
}
