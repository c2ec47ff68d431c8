import { ErrorCodes } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { sendWithin } from './send-within.js';

const adapter = { provider: 'twilio', channel: 'SMS' } as const;
const sms = dispatchFixture({ channel: 'SMS', provider: 'twilio', to: '+15558675310' });
const email = dispatchFixture({ channel: 'EMAIL', to: 'ada@example.com' });
const ctx = { idempotencyKey: 'k', timeoutMs: 2_000 };

describe('sendWithin', () => {
  it('refuses a dispatch for another channel, not retriable, without making the call', async () => {
    let called = false;
    const err = await expectProviderError(
      sendWithin(adapter, undefined, email, ctx, async () => {
        called = true;
      }),
      { code: ErrorCodes.PROVIDER_REJECTED, canRetry: false },
    );
    expect(err.message).toBe('twilio cannot deliver EMAIL');
    expect(called).toBe(false);
  });

  it('gives the call the tighter of the context budget and the ceiling', async () => {
    const budget = (ceilingMs: number | undefined) =>
      sendWithin(adapter, ceilingMs, sms, ctx, async (_signal, timeoutMs) => timeoutMs);
    expect(await budget(undefined)).toBe(2_000);
    expect(await budget(500)).toBe(500);
  });

  it('times the call out at that deadline', async () => {
    await expectProviderError(
      sendWithin(adapter, 20, sms, ctx, () => new Promise(() => undefined)),
      { code: ErrorCodes.PROVIDER_TIMEOUT, canRetry: true },
    );
  });
});
