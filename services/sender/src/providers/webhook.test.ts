import {
  startWebhookReceiver,
  verifyWebhookSignature,
  type EmulatorHandle,
  type WebhookReceived,
} from '@notify/provider-emulators';
import { ErrorCodes } from '@notify/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { WebhookAdapter } from './webhook.js';
import { signWebhook } from './webhook-signature.js';

const SECRET = 'whsec-test';
let hook: EmulatorHandle<WebhookReceived>;
const adapter = new WebhookAdapter({ secret: SECRET });
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ctx = { idempotencyKey: 'n-7:WEBHOOK', traceparent, timeoutMs: 2_000 };
const webhook = (to = `${hook.url}/hooks/orders`) =>
  dispatchFixture({
    channel: 'WEBHOOK',
    provider: 'webhook',
    to,
    subject: null,
    html: null,
    data: { orderId: 'o-9' },
  });

beforeAll(async () => {
  hook = await startWebhookReceiver({ port: 0, secret: SECRET });
});
afterAll(() => hook.stop());
beforeEach(() => {
  hook.control.reset();
  hook.clearReceived();
});

describe('WebhookAdapter', () => {
  it('POSTs the signed dispatch with the idempotency key and trace context', async () => {
    const message = webhook();
    const result = await adapter.send(message, ctx);
    expect(result.providerMessageId).toBe('n-7:WEBHOOK');
    expect(hook.received).toHaveLength(1);
    const got = hook.received[0]!;
    expect(got.path).toBe('/hooks/orders');
    expect(got.body).toEqual(message);
    expect(got).toMatchObject({ idempotencyKey: 'n-7:WEBHOOK', traceparent });
  });

  it('signs in the scheme the receiver checks', () => {
    const signature = signWebhook('s', 1_700_000_000, '{"a":1}');
    expect(
      verifyWebhookSignature({
        secret: 's',
        timestamp: '1700000000',
        signature,
        body: '{"a":1}',
        nowMs: 1_700_000_000_000,
      }),
    ).toEqual({ ok: true, timestamp: 1_700_000_000 });
  });

  it('is refused (permanently) when signed with the wrong secret', async () => {
    const wrong = new WebhookAdapter({ secret: 'other' });
    await expectProviderError(wrong.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 401,
    });
  });

  it('is refused when its clock is more than 5 minutes off', async () => {
    const late = new WebhookAdapter({ secret: SECRET, now: () => Date.now() - 6 * 60_000 });
    await expectProviderError(late.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 401,
    });
  });

  it('classifies a 400 as permanent, a 503 as transient', async () => {
    hook.control.failNext(1, 400);
    await expectProviderError(adapter.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    hook.control.failNext(1, 503);
    await expectProviderError(adapter.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
      status: 503,
    });
  });

  it('classifies a 429 as rate limited with the Retry-After delay', async () => {
    hook.control.failNext(1, 429, { retryAfterSeconds: 4 });
    await expectProviderError(adapter.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_RATE_LIMITED,
      canRetry: true,
      status: 429,
      retryAfterMs: 4_000,
    });
  });

  it('times out when the receiver answers later than the budget', async () => {
    hook.control.setLatency({ fixedMs: 1_000 });
    const started = Date.now();
    await expectProviderError(adapter.send(webhook(), { ...ctx, timeoutMs: 150 }), {
      code: ErrorCodes.PROVIDER_TIMEOUT,
      canRetry: true,
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('treats an unreachable receiver as transient and a bad address as permanent', async () => {
    await expectProviderError(adapter.send(webhook(`http://127.0.0.1:${await closedPort()}/x`), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
    });
    await expectProviderError(adapter.send(webhook('not a url'), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    await expectProviderError(adapter.send(webhook('ftp://example.com/x'), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    const strict = new WebhookAdapter({ secret: SECRET, requireHttps: true });
    await expectProviderError(strict.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(hook.calls).toHaveLength(0);
  });
});
