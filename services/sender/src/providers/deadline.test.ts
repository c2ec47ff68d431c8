import { ErrorCodes, ProviderError } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { effectiveTimeout, withDeadline } from './deadline.js';
import { fromTransportError } from './transport-errors.js';

/** Holds the event loop, as a stalled process would. */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

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

  it('lets a call answered while the process was stalled past the deadline finish, instead of failing it', async () => {
    const answered = withDeadline('p', 20, () => new Promise((resolve) => setTimeout(() => resolve('ok'), 40)), { stallMs: 30, graceMs: 200 });
    blockFor(120); // both timers are overdue when the loop runs again; the deadline's comes first
    await expect(answered).resolves.toBe('ok');
  });

  it('still times out a call that does not finish in the grace after a stall', async () => {
    const silent = withDeadline('p', 20, () => new Promise(() => undefined), { stallMs: 30, graceMs: 50 });
    blockFor(120);
    await expect(silent).rejects.toMatchObject({ code: ErrorCodes.PROVIDER_TIMEOUT });
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
