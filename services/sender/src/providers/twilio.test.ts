import {
  DEFAULT_TWILIO_ACCOUNT_SID,
  DEFAULT_TWILIO_AUTH_TOKEN,
  startTwilioEmulator,
  type EmulatorHandle,
  type TwilioReceived,
} from '@notify/provider-emulators';
import { ConfigError, ErrorCodes } from '@notify/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { TwilioAdapter, type TwilioConfig } from './twilio.js';

let tw: EmulatorHandle<TwilioReceived>;
let adapter: TwilioAdapter;
let config: TwilioConfig;
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ctx = { idempotencyKey: 'n-1:SMS', traceparent, timeoutMs: 2_000 };
const sms = (to = '+15558675310') =>
  dispatchFixture({ channel: 'SMS', provider: 'twilio', to, subject: null, html: null });

beforeAll(async () => {
  tw = await startTwilioEmulator({ port: 0 });
  config = {
    accountSid: DEFAULT_TWILIO_ACCOUNT_SID,
    authToken: DEFAULT_TWILIO_AUTH_TOKEN,
    baseUrl: tw.url,
    from: '+15017122661',
  };
  adapter = new TwilioAdapter(config);
});
afterAll(async () => {
  await adapter.close();
  await tw.stop();
});
beforeEach(() => {
  tw.control.reset();
  tw.clearReceived();
});

describe('TwilioAdapter', () => {
  it('sends the rendered text and returns the message sid', async () => {
    const result = await adapter.send(sms(), ctx);
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(tw.received).toEqual([
      expect.objectContaining({
        sid: result.providerMessageId,
        to: '+15558675310',
        from: '+15017122661',
        body: 'Your code is 123456.',
      }),
    ]);
    expect(tw.received[0]?.headers.traceparent).toBe(traceparent);
  });

  it('sends through a Messaging Service when configured', async () => {
    const viaService = new TwilioAdapter({
      ...config,
      from: undefined,
      messagingServiceSid: `MG${'0'.repeat(32)}`,
    });
    await viaService.send(sms(), ctx);
    expect(tw.received[0]).toMatchObject({ from: null, messagingServiceSid: `MG${'0'.repeat(32)}` });
  });

  it('classifies an invalid number (400, code 21211) as a permanent rejection', async () => {
    const err = await expectProviderError(adapter.send(sms('555-1234'), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    expect(err.details).toMatchObject({ twilioCode: 21211 });
  });

  it('classifies a 503 as transient', async () => {
    tw.control.failNext(1, 503);
    await expectProviderError(adapter.send(sms(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
      status: 503,
    });
  });

  it('classifies a 429 as rate limited with the Retry-After delay', async () => {
    tw.control.failNext(1, 429, { retryAfterSeconds: 3 });
    const err = await expectProviderError(adapter.send(sms(), ctx), {
      code: ErrorCodes.PROVIDER_RATE_LIMITED,
      canRetry: true,
      status: 429,
      retryAfterMs: 3_000,
    });
    expect(err.details).toMatchObject({ twilioCode: 20429 });
  });

  it('times out when Twilio answers later than the budget', async () => {
    tw.control.setLatency({ fixedMs: 1_000 });
    const started = Date.now();
    await expectProviderError(adapter.send(sms(), { ...ctx, timeoutMs: 150 }), {
      code: ErrorCodes.PROVIDER_TIMEOUT,
      canRetry: true,
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('treats bad credentials as permanent', async () => {
    const wrong = new TwilioAdapter({ ...config, authToken: 'wrong' });
    const err = await expectProviderError(wrong.send(sms(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 401,
    });
    expect(err.details).toMatchObject({ twilioCode: 20003 });
  });

  it('treats an unreachable API as transient', async () => {
    const nowhere = new TwilioAdapter({ ...config, baseUrl: `http://127.0.0.1:${await closedPort()}` });
    await expectProviderError(nowhere.send(sms(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
    });
  });

  it('needs a sender', () => {
    expect(() => new TwilioAdapter({ ...config, from: undefined })).toThrow(ConfigError);
  });
});
