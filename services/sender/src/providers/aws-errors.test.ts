import {
  AccountSuspendedException,
  BadRequestException,
  InternalServiceErrorException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendingPausedException,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import {
  AuthorizationErrorException,
  InternalErrorException,
  InvalidParameterException,
  InvalidParameterValueException,
  OptedOutException,
  SNSServiceException,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { ErrorCodes, ProviderError, type ErrorCode } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { fromAwsError } from './aws-errors.js';

const meta = (httpStatusCode?: number) => ({ $metadata: { httpStatusCode, requestId: 'req-1' } });
/** A reply the SDK knows no class for: it throws the service's base exception, named after the error code. */
const generic = (
  Base: typeof SESv2ServiceException | typeof SNSServiceException,
  name: string,
  status?: number,
  fault: 'client' | 'server' = 'client',
) => new Base({ name, $fault: fault, message: `${name} happened`, ...meta(status) });
const withHeaders = <E extends { $response?: unknown }>(err: E, headers: Record<string, string>): E =>
  Object.assign(err, { $response: { statusCode: 429, headers, body: undefined } });

const classify = (err: unknown) => fromAwsError('ses', err, 1_000);
const outcome = (err: unknown) => {
  const e = classify(err);
  return { code: e.code, canRetry: e.canRetry, status: e.status };
};
const rateLimited = (status: number) => ({ code: ErrorCodes.PROVIDER_RATE_LIMITED, canRetry: true, status });
const unavailable = (status?: number) => ({ code: ErrorCodes.PROVIDER_UNAVAILABLE, canRetry: true, status });
const rejected = (status?: number) => ({
  code: ErrorCodes.PROVIDER_REJECTED as ErrorCode,
  canRetry: false,
  status,
});

describe('fromAwsError', () => {
  it('rate-limits throttling, whatever status it comes with, honouring Retry-After', () => {
    expect(outcome(new TooManyRequestsException({ message: 'slow down', ...meta(429) }))).toEqual(
      rateLimited(429),
    );
    expect(outcome(new ThrottledException({ message: 'slow down', ...meta(429) }))).toEqual(rateLimited(429));
    expect(outcome(generic(SESv2ServiceException, 'ThrottlingException', 400))).toEqual(rateLimited(400));
    expect(outcome(generic(SNSServiceException, 'Throttling', 400))).toEqual(rateLimited(400));
    const retryable = Object.assign(generic(SESv2ServiceException, 'SomethingNew', 400), {
      $retryable: { throttling: true },
    });
    expect(outcome(retryable)).toEqual(rateLimited(400));

    const later = withHeaders(new TooManyRequestsException({ message: 'slow down', ...meta(429) }), {
      'Retry-After': '3',
    });
    expect(classify(later).retryAfterMs).toBe(3_000);
    expect(
      classify(new TooManyRequestsException({ message: 'slow down', ...meta(429) })).retryAfterMs,
    ).toBeUndefined();
  });

  it('retries server faults', () => {
    expect(outcome(new InternalServiceErrorException({ message: 'oops', ...meta(500) }))).toEqual(
      unavailable(500),
    );
    expect(outcome(new InternalErrorException({ message: 'oops', ...meta(500) }))).toEqual(unavailable(500));
    expect(outcome(generic(SNSServiceException, 'ServiceUnavailable', 503, 'server'))).toEqual(
      unavailable(503),
    );
    expect(outcome(generic(SESv2ServiceException, 'RequestTimeout', 408))).toEqual(unavailable(408));
    expect(outcome(generic(SESv2ServiceException, 'InternalFailure', undefined, 'server'))).toEqual(
      unavailable(),
    );
  });

  it('dead-letters what SES refuses for good', () => {
    for (const Rejection of [
      MessageRejected,
      MailFromDomainNotVerifiedException,
      AccountSuspendedException,
      BadRequestException,
      SendingPausedException,
    ]) {
      expect(outcome(new Rejection({ message: 'no', ...meta(400) })), Rejection.name).toEqual(rejected(400));
    }
    expect(outcome(new NotFoundException({ message: 'no such configuration set', ...meta(404) }))).toEqual(
      rejected(404),
    );
    expect(outcome(generic(SESv2ServiceException, 'MessageRejected'))).toEqual(rejected());
  });

  it('dead-letters what SNS refuses for good', () => {
    for (const Rejection of [InvalidParameterException, InvalidParameterValueException, OptedOutException]) {
      expect(outcome(new Rejection({ message: 'no', ...meta(400) })), Rejection.name).toEqual(rejected(400));
    }
    expect(outcome(generic(SNSServiceException, 'SomeOtherClientError', 409))).toEqual(rejected(409));
  });

  it('dead-letters refused credentials and permissions, saying so', () => {
    for (const [err, status] of [
      [generic(SNSServiceException, 'InvalidClientTokenId', 403), 403],
      [generic(SNSServiceException, 'SignatureDoesNotMatch', 403), 403],
      [generic(SESv2ServiceException, 'UnrecognizedClientException', 400), 400],
      [new AuthorizationErrorException({ message: 'not allowed', ...meta(403) }), 403],
      [generic(SESv2ServiceException, 'AccessDeniedException', 403), 403],
    ] as const) {
      const e = classify(err);
      expect({ code: e.code, canRetry: e.canRetry, status: e.status }).toEqual(rejected(status));
      expect(e.message).toMatch(/^ses refused the credentials or their permissions \(\d{3} \w+\)/);
    }
    // A 403 reply the SDK could not parse (no error name) is still a refusal.
    const unparsed = Object.assign(new SyntaxError('Unexpected token <'), meta(403));
    expect(outcome(unparsed)).toEqual(rejected(403));
  });

  it('retries an expired session token, which the credential chain renews', () => {
    expect(outcome(generic(SNSServiceException, 'ExpiredToken', 403))).toEqual(unavailable(403));
  });

  it('falls back to the transport: timeouts and network failures are transient', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 1 },
    });
    expect(classify(refused)).toMatchObject({ code: ErrorCodes.PROVIDER_UNAVAILABLE, canRetry: true });
    const timedOut = Object.assign(new Error('socket timed out'), {
      name: 'TimeoutError',
      $metadata: { attempts: 1 },
    });
    expect(classify(timedOut)).toMatchObject({ code: ErrorCodes.PROVIDER_TIMEOUT, canRetry: true });
  });

  it('keeps the AWS error name and request id, and passes classified errors through', () => {
    const e = classify(new MessageRejected({ message: 'Email address not verified', ...meta(400) }));
    expect(e.message).toBe('ses answered 400 MessageRejected: Email address not verified');
    expect(e.details).toEqual({ awsError: 'MessageRejected', requestId: 'req-1' });
    const already = ProviderError.timeout('ses', 10);
    expect(classify(already)).toBe(already);
  });
});
