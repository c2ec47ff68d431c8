import {
  DEFAULT_SENDGRID_API_KEY,
  startSendGridEmulator,
  type EmulatorHandle,
  type SendGridReceived,
} from '@notify/provider-emulators';
import { ErrorCodes } from '@notify/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { SendGridAdapter } from './sendgrid.js';

let sg: EmulatorHandle<SendGridReceived>;
let adapter: SendGridAdapter;
const ctx = { idempotencyKey: 'n-1:EMAIL', timeoutMs: 2_000 };
const email = (
  overrides: Parameters<typeof dispatchFixture>[0] = { channel: 'EMAIL', to: 'ada@example.com' },
) => dispatchFixture(overrides);

beforeAll(async () => {
  sg = await startSendGridEmulator({ port: 0 });
  adapter = new SendGridAdapter({
    apiKey: DEFAULT_SENDGRID_API_KEY,
    baseUrl: sg.url,
    from: { email: 'noreply@notify.example', name: 'Notify' },
  });
});
afterAll(async () => {
  await adapter.close();
  await sg.stop();
});
beforeEach(() => {
  sg.control.reset();
  sg.clearReceived();
});

describe('SendGridAdapter', () => {
  it('sends the rendered email and returns SendGrid message id', async () => {
    const message = email();
    const result = await adapter.send(message, ctx);
    expect(sg.received).toHaveLength(1);
    const got = sg.received[0]!;
    expect(result.providerMessageId).toBe(got.messageId);
    expect(got).toMatchObject({
      to: ['ada@example.com'],
      from: 'noreply@notify.example',
      subject: 'Your sign-in code',
      text: 'Your code is 123456.',
      html: '<p>Your code is <b>123456</b>.</p>',
    });
    expect(got.body.custom_args).toEqual({
      notification_id: message.notificationId,
      tenant_id: 'acme',
      idempotency_key: 'n-1:EMAIL',
    });
    expect(got.body.headers).toEqual({
      'X-Notify-Idempotency-Key': 'n-1:EMAIL',
      'X-Notify-Notification-Id': message.notificationId,
    });
  });

  it('classifies a 400 as a permanent rejection naming the field', async () => {
    const err = await expectProviderError(
      adapter.send(email({ channel: 'EMAIL', to: 'not-an-email' }), ctx),
      {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 400,
      },
    );
    expect(err.message).toContain('personalizations.0.to.0.email');
  });

  it('classifies a 503 as transient', async () => {
    sg.control.failNext(1, 503);
    await expectProviderError(adapter.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
      status: 503,
    });
  });

  it('classifies a 429 as rate limited with the Retry-After delay', async () => {
    sg.control.failNext(1, 429, { retryAfterSeconds: 2 });
    await expectProviderError(adapter.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_RATE_LIMITED,
      canRetry: true,
      status: 429,
      retryAfterMs: 2_000,
    });
  });

  it('times out when SendGrid answers later than the budget', async () => {
    sg.control.setLatency({ fixedMs: 1_000 });
    const started = Date.now();
    await expectProviderError(adapter.send(email(), { ...ctx, timeoutMs: 150 }), {
      code: ErrorCodes.PROVIDER_TIMEOUT,
      canRetry: true,
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('treats a rejected API key as permanent', async () => {
    const wrongKey = new SendGridAdapter({
      apiKey: 'SG.wrong',
      baseUrl: sg.url,
      from: { email: 'noreply@notify.example' },
    });
    await expectProviderError(wrongKey.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 401,
    });
    expect(sg.received).toHaveLength(0);
  });

  it('treats an unreachable API as transient', async () => {
    const nowhere = new SendGridAdapter({
      apiKey: DEFAULT_SENDGRID_API_KEY,
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      from: { email: 'noreply@notify.example' },
    });
    await expectProviderError(nowhere.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
    });
  });

  it('refuses a dispatch for another channel without calling SendGrid', async () => {
    await expectProviderError(adapter.send(dispatchFixture({ channel: 'SMS', to: '+15558675310' }), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(sg.calls).toHaveLength(0);
  });
});
