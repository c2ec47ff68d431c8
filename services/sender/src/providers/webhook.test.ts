import {
  startWebhookReceiver,
  verifyWebhookSignature,
  type EmulatorHandle,
  type WebhookReceived,
} from '@notify/provider-emulators';
import { ErrorCodes } from '@notify/runtime';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import type { Resolver } from './guarded-lookup.js';
import { WebhookAdapter } from './webhook.js';
import { signWebhook } from './webhook-signature.js';

const SECRET = 'whsec-test';
/** The emulator listens on loopback, which only an allowlist lets deliveries reach. */
const LOOPBACK = ['127.0.0.1/32', '::1/128'];
let hook: EmulatorHandle<WebhookReceived>;
const adapter = new WebhookAdapter({ secret: SECRET, allowedHosts: LOOPBACK });
const publicOnly = new WebhookAdapter({ secret: SECRET });
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
afterAll(async () => {
  await Promise.all([adapter.close(), publicOnly.close()]);
  await hook.stop();
});
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
    const wrong = new WebhookAdapter({ secret: 'other', allowedHosts: LOOPBACK });
    await expectProviderError(wrong.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 401,
    });
  });

  it('is refused when its clock is more than 5 minutes off', async () => {
    const late = new WebhookAdapter({
      secret: SECRET,
      allowedHosts: LOOPBACK,
      now: () => Date.now() - 6 * 60_000,
    });
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
    const strict = new WebhookAdapter({ secret: SECRET, allowedHosts: LOOPBACK, requireHttps: true });
    await expectProviderError(strict.send(webhook(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(hook.calls).toHaveLength(0);
  });
});

/** A throwaway HTTP server on loopback answering every request with `handler`. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('WebhookAdapter address guard', () => {
  it('refuses loopback unless allowlisted, permanently and with the reason', async () => {
    const url = `${hook.url}/hooks/orders`;
    const refused = await expectProviderError(publicOnly.send(webhook(url), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(refused.message).toBe('webhook address refused: 127.0.0.1 (loopback)');
    expect(hook.calls).toHaveLength(0);

    const byHost = new WebhookAdapter({ secret: SECRET, allowedHosts: ['127.0.0.1'] });
    await expect(byHost.send(webhook(url), ctx)).resolves.toMatchObject({ providerMessageId: 'n-7:WEBHOOK' });
    await byHost.close();
    expect(hook.received).toHaveLength(1);
  });

  it('refuses the other spellings of loopback that URLs accept', async () => {
    const port = new URL(hook.url).port;
    for (const host of [
      '2130706433',
      '0x7f.1',
      '0177.0.0.1',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '0.0.0.0',
    ]) {
      const err = await expectProviderError(publicOnly.send(webhook(`http://${host}:${port}/x`), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
      });
      expect(err.message, host).toMatch(/^webhook address refused: .* \((loopback|unspecified)\)$/);
    }
    expect(hook.calls).toHaveLength(0);
  });

  it('refuses a host name that resolves to loopback', async () => {
    const url = `http://localhost:${new URL(hook.url).port}/hooks/orders`;
    const err = await expectProviderError(publicOnly.send(webhook(url), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(err.message).toMatch(
      /^webhook address refused: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)$/,
    );
    expect(hook.calls).toHaveLength(0);
    // Allowlisted by range, the same name is delivered to.
    await adapter.send(webhook(url), ctx);
    expect(hook.received).toHaveLength(1);
  });

  it('refuses a name when any of its addresses is private', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    const guarded = new WebhookAdapter({ secret: SECRET, resolve });
    const err = await expectProviderError(guarded.send(webhook('https://hooks.example/x'), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(err.message).toBe('webhook address refused: hooks.example resolves to 10.0.0.5 (private)');
    await guarded.close();
  });

  it('connects to exactly the address its checked lookup answered, resolving once', async () => {
    const looked: string[] = [];
    // A name no DNS knows: reaching the emulator proves the socket used this answer and no other.
    const resolve: Resolver = async (hostname) => {
      looked.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const url = `http://rebind.invalid:${new URL(hook.url).port}/hooks/orders`;
    const refusing = new WebhookAdapter({ secret: SECRET, resolve });
    await expectProviderError(refusing.send(webhook(url), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(hook.calls).toHaveLength(0);

    const allowed = new WebhookAdapter({ secret: SECRET, resolve, allowedHosts: ['127.0.0.0/8'] });
    await allowed.send(webhook(url), ctx);
    expect(hook.received).toHaveLength(1);
    expect(looked).toEqual(['rebind.invalid', 'rebind.invalid']);
    await Promise.all([refusing.close(), allowed.close()]);
  });

  it('does not follow a redirect and fails the delivery permanently', async () => {
    const redirector = await serve((_req, res) => {
      res.writeHead(307, { location: `${hook.url}/hooks/orders` }).end();
    });
    try {
      const err = await expectProviderError(adapter.send(webhook(`${redirector.url}/hook`), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 307,
      });
      expect(err.message).toMatch(/answered a redirect \(307\); redirects are not followed/);
      expect(hook.calls).toHaveLength(0);
    } finally {
      await redirector.close();
    }
  });

  it('reads no more than a bounded part of an endless reply', async () => {
    let sent = 0;
    let status = 500;
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const firehose = await serve((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      };
      res.on('drain', pump);
      pump();
    });
    try {
      const failed = await expectProviderError(adapter.send(webhook(`${firehose.url}/hook`), ctx), {
        code: ErrorCodes.PROVIDER_UNAVAILABLE,
        canRetry: true,
        status: 500,
      });
      expect(failed.message).toBe(`webhook ${new URL(firehose.url).host} answered 500: ${'x'.repeat(200)}`);
      status = 200;
      const before = sent;
      await expect(adapter.send(webhook(`${firehose.url}/hook`), ctx)).resolves.toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // What socket buffers took before the reply was cancelled, far from the stream's end (there is none).
      expect(sent - before).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await firehose.close();
    }
  });
});
