import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from './emulator-handle.js';
import { startWebhookReceiver, type WebhookReceived } from './webhook-receiver.js';
import { verifyWebhookSignature, webhookSignature } from './webhook-signature.js';

const SECRET = 'test-secret';
let hook: EmulatorHandle<WebhookReceived>;

function deliver(
  body: string,
  options: { secret?: string; timestamp?: number; signature?: string } = {},
): Promise<Response> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return fetch(`${hook.url}/hooks/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-notify-timestamp': timestamp,
      'x-notify-signature': options.signature ?? webhookSignature(options.secret ?? SECRET, timestamp, body),
      'idempotency-key': 'n-1:WEBHOOK',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
    body,
  });
}

beforeAll(async () => {
  hook = await startWebhookReceiver({ port: 0, secret: SECRET });
});
afterAll(() => hook.stop());
beforeEach(() => {
  hook.control.reset();
  hook.clearReceived();
});

describe('webhook receiver', () => {
  it('accepts a correctly signed delivery and records it', async () => {
    const res = await deliver(JSON.stringify({ notificationId: 'n-1' }));
    expect(res.status).toBe(200);
    expect(hook.received).toEqual([
      expect.objectContaining({
        path: '/hooks/orders',
        body: { notificationId: 'n-1' },
        idempotencyKey: 'n-1:WEBHOOK',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }),
    ]);
  });

  it('answers 401 for a wrong secret, a tampered body or a missing signature', async () => {
    expect((await deliver('{}', { secret: 'other' })).status).toBe(401);
    const timestamp = String(Math.floor(Date.now() / 1000));
    expect(
      (
        await deliver('{"a":2}', {
          timestamp: Number(timestamp),
          signature: webhookSignature(SECRET, timestamp, '{"a":1}'),
        })
      ).status,
    ).toBe(401);
    const unsigned = await fetch(`${hook.url}/x`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(hook.received).toHaveLength(0);
  });

  it('answers 401 for a timestamp older than 5 minutes', async () => {
    const res = await deliver('{}', { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ reason: 'timestamp outside the tolerance' });
  });

  it('accepts any of several signatures, as during a secret rotation', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `${webhookSignature('old', timestamp, '{}')}, ${webhookSignature(SECRET, timestamp, '{}')}`;
    expect((await deliver('{}', { timestamp: Number(timestamp), signature })).status).toBe(200);
  });

  it('fails scripted deliveries', async () => {
    hook.control.failNext(1, 500);
    expect((await deliver('{}')).status).toBe(500);
    expect((await deliver('{}')).status).toBe(200);
  });
});

describe('verifyWebhookSignature', () => {
  it('checks the timestamp against the given clock', () => {
    const signature = webhookSignature('s', '1000', 'b');
    expect(
      verifyWebhookSignature({ secret: 's', timestamp: '1000', signature, body: 'b', nowMs: 1_100_000 }),
    ).toEqual({ ok: true, timestamp: 1000 });
    expect(
      verifyWebhookSignature({ secret: 's', timestamp: '1000', signature, body: 'b', nowMs: 1_400_000 }).ok,
    ).toBe(false);
  });
});
