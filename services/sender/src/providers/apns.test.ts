import { generateKeyPairSync } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import { fakeApnsToken, startApnsEmulator, type ApnsEmulatorHandle } from '@notify/provider-emulators';
import { ConfigError, ErrorCodes } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApnsAdapter, apnsIdFor, invalidApnsToken, type ApnsConfig } from './apns.js';
import { closedPort, dispatchFixture, expectProviderError } from './dispatch.fixture.js';

const MINUTE = 60_000;
let apns: ApnsEmulatorHandle;
let adapter: ApnsAdapter;
let config: ApnsConfig;
/** Our clock and APNs' clock, each shifted from the real one. */
let ourOffsetMs = 0;
let apnsOffsetMs = 0;
const deviceToken = fakeApnsToken();
const ctx = { idempotencyKey: 'n-9:PUSH', timeoutMs: 2_000 };
const push = (overrides: Partial<Dispatch> = {}): Dispatch =>
  dispatchFixture({
    channel: 'PUSH',
    provider: 'apns',
    to: deviceToken,
    html: null,
    data: { orderId: 'o-9' },
    ...overrides,
  });
const extraAdapters: ApnsAdapter[] = [];
const adapterWith = (overrides: Partial<ApnsConfig>): ApnsAdapter => {
  const a = new ApnsAdapter({ ...config, ...overrides });
  extraAdapters.push(a);
  return a;
};

beforeAll(async () => {
  apns = await startApnsEmulator({ port: 0, now: () => Date.now() + apnsOffsetMs });
  config = {
    keyId: apns.credentials.keyId,
    teamId: apns.credentials.teamId,
    privateKey: apns.credentials.privateKey!,
    topic: apns.credentials.topic,
    baseUrl: apns.url,
    ca: apns.ca,
    now: () => Date.now() + ourOffsetMs,
  };
});
afterAll(async () => {
  await apns.stop();
});
beforeEach(() => {
  ourOffsetMs = 0;
  apnsOffsetMs = 0;
  apns.control.reset();
  apns.clearReceived();
  adapter = new ApnsAdapter(config);
});
afterEach(async () => {
  await Promise.all([adapter.close(), ...extraAdapters.splice(0).map((a) => a.close())]);
});

describe('ApnsAdapter', () => {
  it('sends the alert with its headers to the device token and returns the apns-id', async () => {
    const message = push();
    const result = await adapter.send(message, ctx);
    const apnsId = apnsIdFor(message.notificationId);
    expect(result.providerMessageId).toBe(apnsId);
    expect(apns.received).toHaveLength(1);
    expect(apns.received[0]).toMatchObject({
      apnsId,
      deviceToken,
      topic: config.topic,
      pushType: 'alert',
      priority: 10,
      expiration: 0,
      collapseId: undefined,
      payload: {
        aps: { alert: { title: 'Your sign-in code', body: 'Your code is 123456.' } },
        orderId: 'o-9',
        notificationId: message.notificationId,
      },
    });
    expect(apns.received[0]?.headers).toMatchObject({
      'apns-topic': config.topic,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-expiration': '0',
      'apns-id': apnsId,
    });
  });

  it('signs an ES256 provider token APNs accepts, with the team as issuer', async () => {
    await adapter.send(push(), ctx);
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(apns.received[0]?.providerToken).toEqual({
      keyId: config.keyId,
      teamId: config.teamId,
      issuedAt: expect.any(Number),
    });
    expect(Math.abs(apns.received[0]!.providerToken.issuedAt - nowSeconds)).toBeLessThanOrEqual(1);
  });

  it('sends the expiry in epoch seconds and the configured sound', async () => {
    const expiresAt = Date.now() + 10 * MINUTE;
    await adapterWith({ sound: 'default' }).send(push({ expiresAt }), ctx);
    expect(apns.received[0]).toMatchObject({
      expiration: Math.floor(expiresAt / 1000),
      payload: { aps: { sound: 'default' } },
    });
  });

  it('sends the data\'s collapseKey as apns-collapse-id, and leaves out one longer than APNs takes', async () => {
    await adapter.send(push({ data: { collapseKey: 'order-42' } }), ctx);
    await adapter.send(push({ data: { collapseKey: 'x'.repeat(65) } }), ctx);
    await adapter.send(push(), ctx);
    expect(apns.received.map((r) => r.collapseId)).toEqual(['order-42', undefined, undefined]);
  });

  it('sends a message with nothing to show as a background notification at priority 5', async () => {
    await adapter.send(push({ subject: null, text: ' ' }), ctx);
    expect(apns.received[0]).toMatchObject({
      pushType: 'background',
      priority: 5,
      payload: { aps: { 'content-available': 1 } },
    });
    expect(apns.received[0]?.payload.aps).not.toHaveProperty('alert');
  });

  it('gives every attempt at one notification the same apns-id, and another notification another', async () => {
    const message = push();
    apns.control.failNext(1, 503);
    const failed = await expectProviderError(adapter.send(message, ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
    });
    await adapter.send(message, ctx);
    await adapter.send(push(), ctx);
    const [retried, other] = apns.received.map((r) => r.apnsId);
    expect(failed.details.apnsId).toBe(apnsIdFor(message.notificationId));
    expect(retried).toBe(failed.details.apnsId);
    expect(other).not.toBe(retried);
    expect(apnsIdFor(message.notificationId)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  describe('connection and provider token', () => {
    it('reuses one HTTP/2 connection and one provider token across sends', async () => {
      const before = apns.connections;
      await Promise.all([adapter.send(push(), ctx), adapter.send(push(), ctx)]);
      await adapter.send(push(), ctx);
      expect(apns.connections - before).toBe(1);
      expect(new Set(apns.received.map((r) => r.providerToken.issuedAt)).size).toBe(1);
    });

    it('opens a new connection after APNs sends GOAWAY, sending again what it refused unread', async () => {
      await adapter.send(push(), ctx);
      const before = apns.connections;
      apns.goAway();
      await Promise.all([adapter.send(push(), ctx), adapter.send(push(), ctx)]);
      expect(apns.connections - before).toBe(1);
      expect(apns.received).toHaveLength(3);
    });

    it('signs a new provider token after 50 minutes', async () => {
      await adapter.send(push(), ctx);
      const first = apns.received[0]!.providerToken.issuedAt;
      ourOffsetMs = apnsOffsetMs = 49 * MINUTE;
      await adapter.send(push(), ctx);
      ourOffsetMs = apnsOffsetMs = 51 * MINUTE;
      await adapter.send(push(), ctx);
      const [, second, third] = apns.received.map((r) => r.providerToken.issuedAt);
      expect(second).toBe(first);
      expect(third! - first).toBeGreaterThanOrEqual(51 * 60 - 1);
    });

    it('signs a new token and sends once more when APNs finds the cached one expired', async () => {
      await adapter.send(push(), ctx);
      // APNs' clock runs 21 minutes ahead of ours: at our 40 minutes, it sees the token 61 minutes old.
      ourOffsetMs = 40 * MINUTE;
      apnsOffsetMs = 61 * MINUTE;
      apns.clearReceived();
      await adapter.send(push(), ctx);
      expect(apns.calls.map((c) => c.status)).toEqual([403, 200]);
      expect(apns.received).toHaveLength(1);
    });

    it('gives up with a permanent error when the new token is refused too', async () => {
      apnsOffsetMs = 2 * 60 * MINUTE;
      const err = await expectProviderError(adapter.send(push(), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 403,
      });
      expect(err.details).toMatchObject({ apnsReason: 'ExpiredProviderToken' });
      expect(apns.calls).toHaveLength(2);
    });

    it('treats a key APNs does not know as permanent (InvalidProviderToken)', async () => {
      const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const err = await expectProviderError(adapterWith({ privateKey: stranger }).send(push(), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 403,
      });
      expect(err.details).toMatchObject({ apnsReason: 'InvalidProviderToken' });
      expect(apns.calls).toHaveLength(2);
    });
  });

  describe('invalid device tokens', () => {
    it('reports an unregistered token (410 Unregistered) as invalid, with when it became so', async () => {
      apns.control.unregisterTokens(deviceToken);
      const message = push();
      const err = await expectProviderError(adapter.send(message, ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 410,
      });
      expect(err.details).toEqual({
        apnsReason: 'Unregistered',
        apnsId: apnsIdFor(message.notificationId),
        invalidToken: true,
        unregisteredAt: expect.any(Number),
      });
      expect(invalidApnsToken(err, message)).toEqual({
        token: deviceToken,
        reason: 'Unregistered',
        unregisteredAt: err.details.unregisteredAt,
      });
    });

    it('reports a malformed token (BadDeviceToken) and another app’s token (DeviceTokenNotForTopic)', async () => {
      const malformed = push({ to: 'not-a-device-token' });
      const bad = await expectProviderError(adapter.send(malformed, ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 400,
      });
      expect(invalidApnsToken(bad, malformed)).toEqual({
        token: 'not-a-device-token',
        reason: 'BadDeviceToken',
      });

      apns.control.assignTokensToOtherTopic(deviceToken);
      const foreign = await expectProviderError(adapter.send(push(), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 400,
      });
      expect(foreign.details).toMatchObject({ apnsReason: 'DeviceTokenNotForTopic', invalidToken: true });
    });

    it('does not report the token for other refusals', async () => {
      const err = await expectProviderError(adapterWith({ topic: 'com.example.other' }).send(push(), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 400,
      });
      expect(err.details).toEqual({ apnsReason: 'BadTopic', apnsId: expect.any(String) });
      expect(invalidApnsToken(err, push())).toBeUndefined();
    });
  });

  describe('retry tiers', () => {
    it('classifies 429 TooManyRequests as rate limited with the Retry-After delay', async () => {
      apns.control.failNext(1, 429, { retryAfterSeconds: 10 });
      const err = await expectProviderError(adapter.send(push(), ctx), {
        code: ErrorCodes.PROVIDER_RATE_LIMITED,
        canRetry: true,
        status: 429,
        retryAfterMs: 10_000,
      });
      expect(err.details).toMatchObject({ apnsReason: 'TooManyRequests' });
      expect(err.details).not.toHaveProperty('invalidToken');
    });

    it('classifies 500 InternalServerError and 503 ServiceUnavailable as transient', async () => {
      for (const [status, reason] of [
        [500, 'InternalServerError'],
        [503, 'ServiceUnavailable'],
      ] as const) {
        apns.control.failNext(1, status);
        const err = await expectProviderError(adapter.send(push(), ctx), {
          code: ErrorCodes.PROVIDER_UNAVAILABLE,
          canRetry: true,
          status,
        });
        expect(err.details).toMatchObject({ apnsReason: reason });
      }
    });

    it('times out when APNs answers later than the budget', async () => {
      apns.control.setLatency({ fixedMs: 1_000 });
      const started = Date.now();
      await expectProviderError(adapter.send(push(), { ...ctx, timeoutMs: 150 }), {
        code: ErrorCodes.PROVIDER_TIMEOUT,
        canRetry: true,
      });
      expect(Date.now() - started).toBeLessThan(900);
    });

    it('drops a connection that is still not up when a send times out', async () => {
      const sockets: Socket[] = [];
      let closed = 0;
      const silent = net.createServer((socket) => {
        sockets.push(socket);
        socket.on('close', () => (closed += 1)).resume();
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = silent.address() as AddressInfo;
        const stuck = adapterWith({ baseUrl: `https://127.0.0.1:${port}` });
        await expectProviderError(stuck.send(push(), { ...ctx, timeoutMs: 100 }), {
          code: ErrorCodes.PROVIDER_TIMEOUT,
          canRetry: true,
        });
        await vi.waitFor(() => expect(closed).toBe(1));
        await expectProviderError(stuck.send(push(), { ...ctx, timeoutMs: 100 }), {
          code: ErrorCodes.PROVIDER_TIMEOUT,
          canRetry: true,
        });
        expect(sockets).toHaveLength(2);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('treats an unreachable API as transient', async () => {
      const nowhere = adapterWith({ baseUrl: `https://127.0.0.1:${await closedPort()}` });
      await expectProviderError(nowhere.send(push(), ctx), {
        code: ErrorCodes.PROVIDER_UNAVAILABLE,
        canRetry: true,
      });
    });

    it('does not trust the emulator’s certificate unless given it as ca', async () => {
      const { ca: _ca, ...withoutCa } = config;
      const untrusting = new ApnsAdapter(withoutCa);
      extraAdapters.push(untrusting);
      const err = await expectProviderError(untrusting.send(push(), ctx), {
        code: ErrorCodes.PROVIDER_UNAVAILABLE,
        canRetry: true,
      });
      expect(err.message).toMatch(/certificate/i);
      expect(apns.received).toHaveLength(0);
    });
  });

  it('refuses a payload over 4096 bytes without sending it', async () => {
    const err = await expectProviderError(adapter.send(push({ data: { blob: 'x'.repeat(4_100) } }), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(err.message).toMatch(/over APNs' 4096-byte limit/);
    expect(err.details).toMatchObject({ apnsReason: 'PayloadTooLarge' });
    expect(apns.calls).toHaveLength(0);
  });

  it('refuses a dispatch for another channel', async () => {
    await expectProviderError(adapter.send(dispatchFixture({ channel: 'EMAIL', to: 'a@example.com' }), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
  });

  it('refuses a configuration without a usable ES256 key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => new ApnsAdapter({ ...config, privateKey: 'not a key' })).toThrow(ConfigError);
    expect(() => new ApnsAdapter({ ...config, privateKey: rsa })).toThrow(/P-256/);
  });
});
