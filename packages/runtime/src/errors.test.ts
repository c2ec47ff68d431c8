import { MongoBulkWriteError, MongoNetworkError, type BulkWriteResult } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ErrorCodes, NotifyError, ProviderError, TransientError, toFailure, ValidationError } from './errors.js';

describe('ProviderError.fromStatus', () => {
  it.each([
    [400, ErrorCodes.PROVIDER_REJECTED, false],
    [401, ErrorCodes.PROVIDER_REJECTED, false],
    [404, ErrorCodes.PROVIDER_REJECTED, false],
    [408, ErrorCodes.PROVIDER_UNAVAILABLE, true],
    [429, ErrorCodes.PROVIDER_RATE_LIMITED, true],
    [500, ErrorCodes.PROVIDER_UNAVAILABLE, true],
    [503, ErrorCodes.PROVIDER_UNAVAILABLE, true],
  ])('%i → %s (retriable %s)', (status, code, canRetry) => {
    const err = ProviderError.fromStatus('twilio', status, 'x');
    expect(err.code).toBe(code);
    expect(err.canRetry).toBe(canRetry);
    expect(err.status).toBe(status);
  });
});

describe('toFailure', () => {
  it('keeps typed errors as they are', () => {
    const err = new ValidationError([{ path: 'recipients', message: 'required' }]);
    expect(toFailure(err)).toBe(err);
  });

  it('classifies network errors as an unavailable dependency', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toFailure(err)).toBeInstanceOf(DependencyUnavailableError);
  });

  it('classifies a store client that lost its server as an unavailable dependency', () => {
    const mongo = Object.assign(new Error('connection 14 to 127.0.0.1:27118 closed'), { name: 'MongoServerSelectionError' });
    const redis = Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' });
    expect(toFailure(mongo)).toBeInstanceOf(DependencyUnavailableError);
    expect(toFailure(redis)).toBeInstanceOf(DependencyUnavailableError);
  });

  it('looks inside a bulk write that failed as a whole: a lost connection is an unavailable store', () => {
    const lost = new MongoBulkWriteError(new MongoNetworkError('connection 3 to 127.0.0.1:27118 closed'), {} as BulkWriteResult);
    expect(lost.writeErrors).toEqual([]);
    expect(toFailure(lost)).toBeInstanceOf(DependencyUnavailableError);
    const refused = new MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors: [{ index: 0, code: 11000 }] } as never, {} as BulkWriteResult);
    expect(toFailure(refused).code).toBe(ErrorCodes.INTERNAL);
  });

  it('treats unknown errors as transient, keeping the message', () => {
    const f = toFailure(new Error('surprise'));
    expect(f).toBeInstanceOf(TransientError);
    expect(f.message).toBe('surprise');
    expect(f.code).toBe(ErrorCodes.INTERNAL);
  });

  it('wraps non-errors', () => {
    expect(toFailure('text')).toBeInstanceOf(NotifyError);
  });
});
