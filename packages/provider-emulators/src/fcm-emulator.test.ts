import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from './emulator-handle.js';
import {
  DEFAULT_FCM_ACCESS_TOKEN,
  DEFAULT_FCM_PROJECT_ID,
  startFcmEmulator,
  type FcmControl,
  type FcmReceived,
} from './fcm-emulator.js';
import { fakeFcmToken } from './ids.js';

let fcm: EmulatorHandle<FcmReceived, FcmControl>;
const token = fakeFcmToken();

function send(body: unknown, options: { accessToken?: string; project?: string } = {}): Promise<Response> {
  return fetch(`${fcm.url}/v1/projects/${options.project ?? DEFAULT_FCM_PROJECT_ID}/messages:send`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.accessToken ?? DEFAULT_FCM_ACCESS_TOKEN}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
}

interface GoogleError {
  error: { code: number; status: string; message: string; details?: Array<Record<string, unknown>> };
}

beforeAll(async () => {
  fcm = await startFcmEmulator({ port: 0 });
});
afterAll(() => fcm.stop());
beforeEach(() => {
  fcm.control.reset();
  fcm.clearReceived();
});

describe('FCM emulator', () => {
  it('accepts a message to a token and returns its name', async () => {
    const res = await send({
      message: { token, notification: { title: 'Hi', body: 'There' }, data: { orderId: '42' } },
    });
    expect(res.status).toBe(200);
    const { name } = (await res.json()) as { name: string };
    expect(name).toMatch(new RegExp(`^projects/${DEFAULT_FCM_PROJECT_ID}/messages/.+`));
    expect(fcm.received).toEqual([
      expect.objectContaining({ name, message: expect.objectContaining({ token, data: { orderId: '42' } }) }),
    ]);
  });

  it('answers 401 UNAUTHENTICATED for a bad bearer token', async () => {
    const res = await send({ message: { token } }, { accessToken: 'nope' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as GoogleError).error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
  });

  it('answers 403 for another project', async () => {
    expect((await send({ message: { token } }, { project: 'someone-else' })).status).toBe(403);
  });

  it('answers 400 INVALID_ARGUMENT for a malformed token', async () => {
    const res = await send({ message: { token: 'not-a-token' } });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as GoogleError;
    expect(error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: 'The registration token is not a valid FCM registration token',
    });
    expect(error.details).toEqual([
      { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' },
    ]);
  });

  it('requires data values to be strings', async () => {
    const res = await send({ message: { token, data: { a: 'x', count: 12 } } });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as GoogleError;
    expect(error.message).toBe("Invalid value at 'message.data[1].value' (TYPE_STRING), 12");
    expect(error.details?.[0]).toMatchObject({ fieldViolations: [{ field: 'message.data[1].value' }] });
  });

  it('requires exactly one target and known fields', async () => {
    expect((await send({ message: { notification: { title: 'x' } } })).status).toBe(400);
    expect((await send({ message: { token, topic: 'news' } })).status).toBe(400);
    expect((await send({ message: { token, bogus: 1 } })).status).toBe(400);
    expect((await send({ message: { token, notification: { title: 5 } } })).status).toBe(400);
  });

  it('answers 404 UNREGISTERED for tokens unregistered through control, directly or over HTTP', async () => {
    fcm.control.unregisterTokens(token);
    const res = await send({ message: { token } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as GoogleError).error.details).toEqual([
      { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' },
    ]);

    fcm.control.reset();
    const other = fakeFcmToken();
    const set = await fetch(`${fcm.url}/__control`, {
      method: 'POST',
      body: JSON.stringify({ unregisteredTokens: [other] }),
    });
    expect(await set.json()).toMatchObject({ unregisteredTokens: [other] });
    expect((await send({ message: { token: other } })).status).toBe(404);
    expect((await send({ message: { token } })).status).toBe(200);
  });

  it('answers scripted 429 RESOURCE_EXHAUSTED and 503 UNAVAILABLE', async () => {
    fcm.control.failNext(1, 429, { retryAfterSeconds: 5 });
    const limited = await send({ message: { token } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('5');
    expect(((await limited.json()) as GoogleError).error).toMatchObject({
      status: 'RESOURCE_EXHAUSTED',
      details: [expect.objectContaining({ errorCode: 'QUOTA_EXCEEDED' })],
    });

    fcm.control.failNext(1, 503);
    const down = await send({ message: { token } });
    expect(down.status).toBe(503);
    expect(((await down.json()) as GoogleError).error.status).toBe('UNAVAILABLE');
  });

  it('does not record validate_only sends', async () => {
    const res = await send({ message: { token }, validate_only: true });
    expect(await res.json()).toEqual({ name: `projects/${DEFAULT_FCM_PROJECT_ID}/messages/fake_message_id` });
    expect(fcm.received).toHaveLength(0);
  });
});
