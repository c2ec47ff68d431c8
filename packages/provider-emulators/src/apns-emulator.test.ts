import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APNS_MAX_PAYLOAD_BYTES,
  DEFAULT_APNS_KEY_ID,
  DEFAULT_APNS_TEAM_ID,
  DEFAULT_APNS_TOPIC,
  fakeApnsToken,
  startApnsEmulator,
  type ApnsEmulatorHandle,
} from './apns-emulator.js';

let apns: ApnsEmulatorHandle;
let client: ClientHttp2Session;
let signingKey: KeyObject;
const token = fakeApnsToken();
const alert = { aps: { alert: { title: 'Hi', body: 'There' } }, orderId: '42' };
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: { reason?: string; timestamp?: number } | undefined;
}

function providerToken(
  options: { key?: KeyObject; kid?: string; iss?: string; iat?: number } = {},
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? DEFAULT_APNS_KEY_ID })
    .setIssuer(options.iss ?? DEFAULT_APNS_TEAM_ID)
    .setIssuedAt(options.iat ?? nowSeconds())
    .sign(options.key ?? signingKey);
}

async function post(
  options: {
    path?: string;
    method?: string;
    headers?: Record<string, string | undefined>;
    body?: string | object;
    jwt?: string | null;
  } = {},
): Promise<Reply> {
  const jwt = options.jwt === undefined ? await providerToken() : options.jwt;
  const headers: Record<string, string> = {
    ':method': options.method ?? 'POST',
    ':path': options.path ?? `/3/device/${token}`,
    'apns-topic': DEFAULT_APNS_TOPIC,
    'apns-push-type': 'alert',
    ...(jwt === null ? {} : { authorization: `bearer ${jwt}` }),
  };
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? alert);
  return new Promise((resolve, reject) => {
    const stream = client.request(headers);
    let responseHeaders: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        body: text ? (JSON.parse(text) as Reply['body']) : undefined,
      });
    });
    stream.on('error', reject);
    stream.end(options.method === 'GET' ? undefined : body);
  });
}

beforeAll(async () => {
  apns = await startApnsEmulator({ port: 0, controlPort: 0 });
  signingKey = createPrivateKey(apns.credentials.privateKey!);
  client = http2.connect(apns.url, { ca: apns.ca });
});
afterAll(async () => {
  client.close();
  await apns.stop();
});
beforeEach(() => {
  apns.control.reset();
  apns.clearReceived();
});

describe('APNs emulator', () => {
  it('serves HTTP/2 over TLS with a certificate the client trusts through `ca`', () => {
    expect(apns.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(apns.ca).toContain('BEGIN CERTIFICATE');
    expect(apns.credentials).toMatchObject({
      keyId: DEFAULT_APNS_KEY_ID,
      teamId: DEFAULT_APNS_TEAM_ID,
      topic: DEFAULT_APNS_TOPIC,
    });
  });

  it('accepts a notification, echoes its apns-id and records it with the token claims', async () => {
    const apnsId = '0f6a5b3c-2d1e-4f00-8a9b-1c2d3e4f5a6b';
    const iat = nowSeconds();
    const reply = await post({
      jwt: await providerToken({ iat }),
      headers: {
        'apns-id': apnsId,
        'apns-priority': '10',
        'apns-expiration': '1900000000',
        'apns-collapse-id': 'order-42',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['apns-id']).toBe(apnsId);
    expect(reply.body).toBeUndefined();
    expect(apns.received).toEqual([
      expect.objectContaining({
        apnsId,
        deviceToken: token,
        topic: DEFAULT_APNS_TOPIC,
        pushType: 'alert',
        priority: 10,
        expiration: 1900000000,
        collapseId: 'order-42',
        payload: alert,
        providerToken: { keyId: DEFAULT_APNS_KEY_ID, teamId: DEFAULT_APNS_TEAM_ID, issuedAt: iat },
      }),
    ]);
    expect(apns.received[0]?.headers.authorization).toBeUndefined();
    expect(apns.calls).toEqual([expect.objectContaining({ method: 'POST', status: 200 })]);
  });

  it('generates an apns-id when the request carries none', async () => {
    const reply = await post();
    expect(reply.status).toBe(200);
    expect(reply.headers['apns-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  describe('provider token', () => {
    it('answers 403 MissingProviderToken without an authorization header', async () => {
      const reply = await post({ jwt: null });
      expect(reply).toMatchObject({ status: 403, body: { reason: 'MissingProviderToken' } });
    });

    it('answers 403 InvalidProviderToken for a token signed by another key, an unknown kid or another team', async () => {
      const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      for (const jwt of [
        await providerToken({ key: stranger }),
        await providerToken({ kid: 'UNKNOWNKEY' }),
        await providerToken({ iss: 'OTHERTEAM1' }),
        'not.a.jwt',
      ]) {
        const reply = await post({ jwt });
        expect(reply).toMatchObject({ status: 403, body: { reason: 'InvalidProviderToken' } });
      }
      expect(apns.received).toHaveLength(0);
    });

    it('accepts ES256 only', async () => {
      const hs256 = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: DEFAULT_APNS_KEY_ID })
        .setIssuer(DEFAULT_APNS_TEAM_ID)
        .setIssuedAt()
        .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
      expect((await post({ jwt: hs256 })).body?.reason).toBe('InvalidProviderToken');
    });

    it('answers 403 ExpiredProviderToken for a token issued more than an hour ago', async () => {
      const stale = await providerToken({ iat: nowSeconds() - 61 * 60 });
      expect(await post({ jwt: stale })).toMatchObject({
        status: 403,
        body: { reason: 'ExpiredProviderToken' },
      });
      const fresh = await providerToken({ iat: nowSeconds() - 59 * 60 });
      expect((await post({ jwt: fresh })).status).toBe(200);
    });

    it('refuses a token issued in the future', async () => {
      const future = await providerToken({ iat: nowSeconds() + 120 });
      expect(await post({ jwt: future })).toMatchObject({
        status: 403,
        body: { reason: 'InvalidProviderToken' },
      });
    });

    it('accepts keys registered over the control route', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const set = await fetch(`${apns.controlUrl}/__control`, {
        method: 'POST',
        body: JSON.stringify({ providerKeys: [{ keyId: 'SECONDKEY1', publicKey }] }),
      });
      expect(set.status).toBe(200);
      expect(await set.json()).toMatchObject({ keyIds: [DEFAULT_APNS_KEY_ID, 'SECONDKEY1'] });
      const jwt = await providerToken({ key: pair.privateKey, kid: 'SECONDKEY1' });
      expect((await post({ jwt })).status).toBe(200);
    });
  });

  describe('headers', () => {
    it('answers MissingTopic without apns-topic and BadTopic for another bundle id', async () => {
      expect(await post({ headers: { 'apns-topic': undefined } })).toMatchObject({
        status: 400,
        body: { reason: 'MissingTopic' },
      });
      expect(await post({ headers: { 'apns-topic': 'com.example.other' } })).toMatchObject({
        status: 400,
        body: { reason: 'BadTopic' },
      });
    });

    it('expects the push type’s topic suffix', async () => {
      const voip = { 'apns-push-type': 'voip', 'apns-topic': `${DEFAULT_APNS_TOPIC}.voip` };
      expect((await post({ headers: voip })).status).toBe(200);
      expect((await post({ headers: { 'apns-push-type': 'voip' } })).body?.reason).toBe('BadTopic');
    });

    it('checks apns-push-type, apns-priority, apns-expiration, apns-id and apns-collapse-id', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ 'apns-push-type': 'banner' }, 'InvalidPushType'],
        [{ 'apns-priority': '7' }, 'BadPriority'],
        [{ 'apns-expiration': 'tomorrow' }, 'BadExpirationDate'],
        [{ 'apns-id': 'not-a-uuid' }, 'BadMessageId'],
        [{ 'apns-collapse-id': 'x'.repeat(65) }, 'BadCollapseId'],
      ];
      for (const [headers, reason] of cases) {
        const reply = await post({ headers });
        expect({ status: reply.status, reason: reply.body?.reason }).toEqual({ status: 400, reason });
      }
      for (const priority of ['1', '5', '10'])
        expect((await post({ headers: { 'apns-priority': priority } })).status).toBe(200);
    });

    it('refuses a background notification at priority 10', async () => {
      const background = { aps: { 'content-available': 1 } };
      const headers = { 'apns-push-type': 'background' };
      expect(await post({ headers: { ...headers, 'apns-priority': '10' }, body: background })).toMatchObject({
        status: 400,
        body: { reason: 'BadPriority' },
      });
      expect((await post({ headers: { ...headers, 'apns-priority': '5' }, body: background })).status).toBe(
        200,
      );
    });
  });

  describe('device token and payload', () => {
    it('answers BadDeviceToken for anything but 64 hex digits', async () => {
      for (const path of ['/3/device/abc', `/3/device/${token}00`, `/3/device/${'g'.repeat(64)}`]) {
        expect(await post({ path })).toMatchObject({ status: 400, body: { reason: 'BadDeviceToken' } });
      }
      expect((await post({ path: '/3/device/' })).body?.reason).toBe('MissingDeviceToken');
    });

    it('answers 413 PayloadTooLarge past 4096 bytes and accepts exactly 4096', async () => {
      const sized = (bytes: number): string => {
        const base = JSON.stringify({ aps: { alert: { body: '' } } });
        return JSON.stringify({ aps: { alert: { body: 'x'.repeat(bytes - base.length) } } });
      };
      expect(Buffer.byteLength(sized(APNS_MAX_PAYLOAD_BYTES))).toBe(4096);
      expect((await post({ body: sized(APNS_MAX_PAYLOAD_BYTES) })).status).toBe(200);
      expect(await post({ body: sized(APNS_MAX_PAYLOAD_BYTES + 1) })).toMatchObject({
        status: 413,
        body: { reason: 'PayloadTooLarge' },
      });
    });

    it('refuses an empty payload and one that is not a JSON object with aps', async () => {
      expect((await post({ body: '' })).body?.reason).toBe('PayloadEmpty');
      expect((await post({ body: '{"aps":' })).status).toBe(400);
      expect((await post({ body: { data: 1 } })).status).toBe(400);
    });

    it('answers 410 Unregistered with a timestamp for unregistered tokens, directly or over HTTP', async () => {
      const before = Date.now();
      apns.control.unregisterTokens(token);
      const reply = await post();
      expect(reply.status).toBe(410);
      expect(reply.body?.reason).toBe('Unregistered');
      expect(reply.body?.timestamp).toBeGreaterThanOrEqual(before);

      apns.control.reset();
      const other = fakeApnsToken();
      const set = await fetch(`${apns.controlUrl}/__control`, {
        method: 'POST',
        body: JSON.stringify({ unregisteredTokens: [other] }),
      });
      expect(await set.json()).toMatchObject({ unregisteredTokens: [other] });
      expect((await post({ path: `/3/device/${other}` })).status).toBe(410);
      expect((await post()).status).toBe(200);
    });

    it('answers DeviceTokenNotForTopic for a token of another app', async () => {
      apns.control.assignTokensToOtherTopic(token);
      expect(await post()).toMatchObject({ status: 400, body: { reason: 'DeviceTokenNotForTopic' } });
    });
  });

  it('answers BadPath and MethodNotAllowed', async () => {
    expect(await post({ path: '/3/devices/x' })).toMatchObject({ status: 404, body: { reason: 'BadPath' } });
    expect(await post({ method: 'GET' })).toMatchObject({
      status: 405,
      body: { reason: 'MethodNotAllowed' },
    });
  });

  it('answers scripted 429 TooManyRequests, 500 InternalServerError and 503 ServiceUnavailable', async () => {
    apns.control.failNext(1, 429, { retryAfterSeconds: 5 });
    const limited = await post();
    expect(limited).toMatchObject({ status: 429, body: { reason: 'TooManyRequests' } });
    expect(limited.headers['retry-after']).toBe('5');

    apns.control.failNext(1, 500);
    expect(await post()).toMatchObject({ status: 500, body: { reason: 'InternalServerError' } });
    apns.control.failNext(1, 503);
    expect(await post()).toMatchObject({ status: 503, body: { reason: 'ServiceUnavailable' } });
    expect((await post()).status).toBe(200);
  });

  it('shows its state, certificate included, on the control route', async () => {
    const state = (await (await fetch(`${apns.controlUrl}/__control`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ teamId: DEFAULT_APNS_TEAM_ID, topic: DEFAULT_APNS_TOPIC, ca: apns.ca });
  });

  it('sends GOAWAY and closes its connections on goAway()', async () => {
    expect((await post()).status).toBe(200);
    const session = client;
    const goaway = new Promise<string>((resolve) =>
      session.once('goaway', (_code: number, _last: number, data?: Buffer) =>
        resolve(data?.toString() ?? ''),
      ),
    );
    apns.goAway();
    expect(JSON.parse(await goaway)).toEqual({ reason: 'Shutdown' });
    session.destroy();
    client = http2.connect(apns.url, { ca: apns.ca });
  });
});
