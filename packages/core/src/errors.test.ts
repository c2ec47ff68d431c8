import { describe, expect, it } from 'vitest';
import { ErrorCodes, ProviderError } from './errors.js';

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
