import {
  DEFAULT_FCM_ACCESS_TOKEN,
  DEFAULT_FCM_PROJECT_ID,
  fakeFcmToken,
  startFcmEmulator,
  type EmulatorHandle,
  type FcmControl,
  type FcmReceived,
} from '@notify/provider-emulators';
import { ErrorCodes } from '@notify/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { PushAdapter, type PushConfig } from './push.js';

let fcm: EmulatorHandle<FcmReceived, FcmControl>;
let adapter: PushAdapter;
let config: PushConfig;
const deviceToken = fakeFcmToken();
const ctx = { idempotencyKey: 'n-9:PUSH', timeoutMs: 2_000 };
const push = (to = deviceToken) =>
  dispatchFixture({ channel: 'PUSH', provider: 'push', to, html: null, data: { orderId: 'o-9' } });

beforeAll(async () => {
  fcm = await startFcmEmulator({ port: 0 });
  config = { projectId: DEFAULT_FCM_PROJECT_ID, accessToken: DEFAULT_FCM_ACCESS_TOKEN, baseUrl: fcm.url };
  adapter = new PushAdapter(config);
});
afterAll(() => fcm.stop());
beforeEach(() => {
  fcm.control.reset();
  fcm.clearReceived();
});

describe('PushAdapter', () => {
  it('sends title, body and data to the device token and returns the message name', async () => {
    const message = push();
    const result = await adapter.send(message, ctx);
    expect(result.providerMessageId).toMatch(new RegExp(`^projects/${DEFAULT_FCM_PROJECT_ID}/messages/`));
    expect(fcm.received).toHaveLength(1);
    expect(fcm.received[0]).toMatchObject({
      name: result.providerMessageId,
      message: {
        token: deviceToken,
        notification: { title: 'Your sign-in code', body: 'Your code is 123456.' },
        data: { orderId: 'o-9', notificationId: message.notificationId },
        android: { priority: 'HIGH' },
      },
    });
  });

  it('sends the data\'s collapseKey as the Android collapse key', async () => {
    await adapter.send({ ...push(), data: { collapseKey: 'order-42' } }, ctx);
    expect(fcm.received[0]).toMatchObject({ message: { android: { collapse_key: 'order-42' } } });
  });

  it('fetches the access token from a function when given one', async () => {
    const dynamic = new PushAdapter({ ...config, accessToken: async () => DEFAULT_FCM_ACCESS_TOKEN });
    await dynamic.send(push(), ctx);
    expect(fcm.received).toHaveLength(1);
  });

  it('classifies a malformed token (400 INVALID_ARGUMENT) as permanent', async () => {
    const err = await expectProviderError(adapter.send(push('bad-token'), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    expect(err.details).toMatchObject({ googleStatus: 'INVALID_ARGUMENT', fcmErrorCode: 'INVALID_ARGUMENT' });
  });

  it('classifies an unregistered token (404 UNREGISTERED) as permanent', async () => {
    fcm.control.unregisterTokens(deviceToken);
    const err = await expectProviderError(adapter.send(push(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 404,
    });
    expect(err.details).toMatchObject({ fcmErrorCode: 'UNREGISTERED' });
  });

  it('classifies a 503 UNAVAILABLE as transient', async () => {
    fcm.control.failNext(1, 503);
    await expectProviderError(adapter.send(push(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
      status: 503,
    });
  });

  it('classifies a 429 RESOURCE_EXHAUSTED as rate limited with the Retry-After delay', async () => {
    fcm.control.failNext(1, 429, { retryAfterSeconds: 10 });
    const err = await expectProviderError(adapter.send(push(), ctx), {
      code: ErrorCodes.PROVIDER_RATE_LIMITED,
      canRetry: true,
      status: 429,
      retryAfterMs: 10_000,
    });
    expect(err.details).toMatchObject({ googleStatus: 'RESOURCE_EXHAUSTED', fcmErrorCode: 'QUOTA_EXCEEDED' });
  });

  it('times out when FCM answers later than the budget', async () => {
    fcm.control.setLatency({ fixedMs: 1_000 });
    const started = Date.now();
    await expectProviderError(adapter.send(push(), { ...ctx, timeoutMs: 150 }), {
      code: ErrorCodes.PROVIDER_TIMEOUT,
      canRetry: true,
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('treats a rejected access token as permanent', async () => {
    const wrong = new PushAdapter({ ...config, accessToken: 'ya29.wrong' });
    const err = await expectProviderError(wrong.send(push(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 401,
    });
    expect(err.details).toMatchObject({ googleStatus: 'UNAUTHENTICATED' });
  });

  it('treats an unreachable API as transient', async () => {
    const nowhere = new PushAdapter({ ...config, baseUrl: `http://127.0.0.1:${await closedPort()}` });
    await expectProviderError(nowhere.send(push(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
    });
  });
});
