import { ErrorCodes, ProviderError } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { effectiveTimeout, withDeadline } from './deadline.js';
import { fromTransportError } from './transport-errors.js';

describe('withDeadline', () => {
  it('returns the result of a call that finishes in time', async () => {
    await expect(withDeadline('p', 1_000, async () => 'ok')).resolves.toBe('ok');
  });

  it('rejects with a timeout and aborts the signal when the call is late', async () => {
    let signal: AbortSignal | undefined;
    const late = withDeadline('p', 20, (s) => {
      signal = s;
      return new Promise((resolve) => setTimeout(resolve, 500));
    });
    await expect(late).rejects.toMatchObject({ code: ErrorCodes.PROVIDER_TIMEOUT, provider: 'p' });
    expect(signal?.aborted).toBe(true);
  });

  it('takes the tighter of the call budget and the ceiling', () => {
    expect(effectiveTimeout(5_000, undefined)).toBe(5_000);
    expect(effectiveTimeout(5_000, 2_000)).toBe(2_000);
  });
});

describe('fromTransportError', () => {
  it('classifies by error code, looking through causes', () => {
    const timedOut = Object.assign(new Error('x'), { code: 'ECONNABORTED' });
    expect(fromTransportError('p', timedOut, 100).code).toBe(ErrorCodes.PROVIDER_TIMEOUT);
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('y'), { code: 'ECONNREFUSED' }),
    });
    expect(fromTransportError('p', refused, 100)).toMatchObject({
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
    });
    const headersTimeout = new TypeError('fetch failed', {
      cause: Object.assign(new Error('z'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
    });
    expect(fromTransportError('p', headersTimeout, 100).code).toBe(ErrorCodes.PROVIDER_TIMEOUT);
  });

  it('passes ProviderErrors through', () => {
    const err = ProviderError.fromStatus('p', 400, 'bad');
    expect(fromTransportError('p', err, 100)).toBe(err);
  });
});
