import { ErrorCodes, ProviderError } from '@notify/runtime';
import { parseRetryAfter } from './retry-after.js';
import { fromTransportError } from './transport-errors.js';

/**
 * What the AWS SDK v3 puts on what it throws: service exceptions carry all of it; failures to reach the
 * service carry `$metadata` without a status; a reply the SDK could not parse carries the status only.
 */
interface AwsSdkError {
  name?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  $response?: { headers?: Record<string, unknown> };
  $retryable?: { throttling?: unknown };
}

/** Error names AWS services use to say "slow down", whatever status comes with them (awsQuery answers 400). */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** Credentials or permissions refused: retrying with the same ones cannot help. */
const AUTH = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidSignatureException',
  'InvalidAccessKeyId',
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'NotAuthorized',
]);

/**
 * An expired session token or a request signed too long ago: the default credential chain fetches a new
 * token and the SDK corrects its clock skew, so the next attempt can pass.
 */
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

/**
 * Classifies what an AWS SDK v3 call threw: throttling is rate limited (with Retry-After when the reply has
 * one), refused credentials or permissions are permanent, then the HTTP status decides as for every provider
 * (408/5xx transient, other 4xx permanent); without a status, the fault side, and without that, the transport.
 */
export function fromAwsError(provider: string, err: unknown, timeoutMs: number): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsSdkError;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const fault = e.$fault === 'client' || e.$fault === 'server' ? e.$fault : undefined;
  if (status === undefined && fault === undefined) return fromTransportError(provider, err, timeoutMs);

  const name = typeof e.name === 'string' ? e.name : 'Error';
  const text = typeof e.message === 'string' && e.message !== '' ? `: ${e.message}` : '';
  const requestId = typeof e.$metadata?.requestId === 'string' ? e.$metadata.requestId : undefined;
  const retryAfterMs = parseRetryAfter(headerOf(e.$response?.headers, 'retry-after'));
  const options = {
    cause: err,
    details: { awsError: name, ...(requestId ? { requestId } : {}) },
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  const withStatus = { ...options, ...(status !== undefined ? { status } : {}) };
  const answered = `${provider} answered ${status !== undefined ? `${status} ` : ''}${name}${text}`;

  if (THROTTLING.has(name) || e.$retryable?.throttling === true)
    return new ProviderError(provider, ErrorCodes.PROVIDER_RATE_LIMITED, answered, true, withStatus);
  if (EXPIRED.has(name))
    return new ProviderError(provider, ErrorCodes.PROVIDER_UNAVAILABLE, answered, true, withStatus);
  if (AUTH.has(name) || status === 401 || status === 403) {
    const said = `${provider} refused the credentials or their permissions (${status ?? fault} ${name})${text}`;
    return new ProviderError(provider, ErrorCodes.PROVIDER_REJECTED, said, false, withStatus);
  }
  if (status !== undefined) return ProviderError.fromStatus(provider, status, answered, options);
  return fault === 'server'
    ? new ProviderError(provider, ErrorCodes.PROVIDER_UNAVAILABLE, answered, true, options)
    : new ProviderError(provider, ErrorCodes.PROVIDER_REJECTED, answered, false, options);
}

function headerOf(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return typeof value === 'string' ? value : undefined;
}
