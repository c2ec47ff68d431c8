import { startSmtpServer, type SmtpServerHandle } from '@notify/provider-emulators';
import { ErrorCodes } from '@notify/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { messageIdFor, SmtpAdapter, type SmtpConfig } from './smtp.js';

const auth = { user: 'mailer', pass: 's3cret' };
let smtp: SmtpServerHandle;
let adapter: SmtpAdapter;
let config: SmtpConfig;
const ctx = { idempotencyKey: 'n-42:EMAIL', timeoutMs: 2_000 };
const email = (to = 'ada@example.com') => dispatchFixture({ channel: 'EMAIL', provider: 'smtp', to });

beforeAll(async () => {
  smtp = await startSmtpServer({ port: 0, auth });
  config = { url: smtp.url, from: { email: 'noreply@notify.example', name: 'Notify' } };
  adapter = new SmtpAdapter(config);
});
afterAll(async () => {
  await adapter.close();
  await smtp.stop();
});
beforeEach(() => {
  smtp.control.reset();
  smtp.clearReceived();
});

describe('SmtpAdapter', () => {
  it('sends the rendered email with a Message-ID derived from the idempotency key', async () => {
    const message = email();
    const result = await adapter.send(message, ctx);
    const expectedId = messageIdFor('n-42:EMAIL', 'notify.example');
    expect(result.providerMessageId).toBe(expectedId);
    expect(smtp.received).toEqual([
      expect.objectContaining({
        from: 'noreply@notify.example',
        to: ['ada@example.com'],
        subject: 'Your sign-in code',
        text: 'Your code is 123456.',
        html: '<p>Your code is <b>123456</b>.</p>',
        messageId: expectedId,
        user: 'mailer',
      }),
    ]);
    expect(smtp.received[0]?.headers).toMatchObject({
      'x-notify-idempotency-key': 'n-42:EMAIL',
      'x-notify-notification-id': message.notificationId,
    });
  });

  it('gives a resend of the same delivery the same Message-ID', async () => {
    await adapter.send(email(), ctx);
    await adapter.send(email(), ctx);
    await adapter.send(email(), { ...ctx, idempotencyKey: 'n-43:EMAIL' });
    const ids = smtp.received.map((m) => m.messageId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('classifies a 5xx reply as a permanent rejection', async () => {
    smtp.control.failNext(1, 550);
    const err = await expectProviderError(adapter.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    expect(err.details).toMatchObject({ smtpReplyCode: 550 });
  });

  it('classifies a 4xx reply as transient', async () => {
    smtp.control.failNext(1, 451);
    const err = await expectProviderError(adapter.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
      status: 503,
    });
    expect(err.details).toMatchObject({ smtpReplyCode: 451 });
  });

  it('times out when the server answers later than the budget', async () => {
    smtp.control.setLatency({ fixedMs: 1_000 });
    const started = Date.now();
    await expectProviderError(adapter.send(email(), { ...ctx, timeoutMs: 200 }), {
      code: ErrorCodes.PROVIDER_TIMEOUT,
      canRetry: true,
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('treats bad credentials as permanent', async () => {
    const wrong = new SmtpAdapter({ ...config, url: smtp.url.replace('s3cret', 'wrong') });
    try {
      const err = await expectProviderError(wrong.send(email(), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 401,
      });
      expect(err.details).toMatchObject({ smtpReplyCode: 535 });
    } finally {
      await wrong.close();
    }
  });

  it('treats an unreachable server as transient', async () => {
    const nowhere = new SmtpAdapter({ ...config, url: `smtp://127.0.0.1:${await closedPort()}` });
    try {
      await expectProviderError(nowhere.send(email(), ctx), {
        code: ErrorCodes.PROVIDER_UNAVAILABLE,
        canRetry: true,
      });
    } finally {
      await nowhere.close();
    }
  });
});

describe('messageIdFor', () => {
  it('keeps the key readable and the id valid', () => {
    expect(messageIdFor('n-1:EMAIL', 'notify.example')).toMatch(
      /^<n-1\.EMAIL\.[0-9a-f]{16}@notify\.example>$/,
    );
  });
});
