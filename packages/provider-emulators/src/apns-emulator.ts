import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import http2, { type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { isIP, type AddressInfo } from 'node:net';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { generate as generateCertificate } from 'selfsigned';
import { EmulatorControl, type EmulatorControlOptions, type InjectedFailure } from './control.js';
import { startControlServer, type ControlServer } from './control-server.js';
import { emulatorRecords } from './emulator-records.js';
import type { EmulatorHandle, EmulatorOptions } from './emulator-handle.js';

export const DEFAULT_APNS_TEAM_ID = 'NOTIFYTEAM';
export const DEFAULT_APNS_KEY_ID = 'EMULATORKY';
export const DEFAULT_APNS_TOPIC = 'com.example.notify';

/** APNs' limit for every push type but VoIP. */
export const APNS_MAX_PAYLOAD_BYTES = 4096;
/** APNs refuses provider tokens issued longer ago than this. */
export const APNS_PROVIDER_TOKEN_MAX_AGE_MS = 60 * 60_000; // one hour
/** Past this a request body is not read further: nothing legitimate sends that much. */
const MAX_REQUEST_BYTES = 64 * 1024; // 64 KiB
const CERTIFICATE_LIFETIME_MS = 30 * 24 * 60 * 60_000; // 30 days
const MAX_COLLAPSE_ID_BYTES = 64;

const SEND_PATH = /^\/3\/device\/([^/?]*)$/;
const DEVICE_TOKEN = /^[0-9a-fA-F]{64}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const PRIORITIES = new Set(['1', '5', '10']);
/** Each push type and the suffix its apns-topic carries after the bundle id. */
const TOPIC_SUFFIX: Record<string, string> = {
  alert: '',
  background: '',
  location: '.location-query',
  voip: '.voip',
  complication: '.complication',
  fileprovider: '.pushkit.fileprovider',
  mdm: '',
  liveactivity: '.push-type.liveactivity',
  pushtotalk: '.voip-ptt',
  widgets: '.push-type.widgets',
};

export interface ApnsEmulatorOptions extends EmulatorOptions {
  teamId?: string;
  /** The app's bundle id: the apns-topic every request must carry. */
  topic?: string;
  keyId?: string;
  /**
   * PEM public key registered for `keyId`. When absent a P-256 key pair is generated, and its private
   * half is handed out in `credentials` for the client to sign with.
   */
  publicKey?: string;
  /** Device tokens answered with 410 Unregistered from the start. */
  unregisteredTokens?: string[];
  /** Also serve the HTTP control routes on this port (0 picks one); none when undefined. */
  controlPort?: number;
  /** Names the TLS certificate is valid for besides localhost, 127.0.0.1, ::1 and `host`. */
  hostnames?: string[];
  /** TLS key and certificate (PEM) to serve instead of a self-signed pair generated at start. */
  tls?: { key: string; cert: string };
  /** Clock the provider token's age is judged by (epoch ms); defaults to Date.now. */
  now?: () => number;
}

export interface ApnsReceived {
  /** As returned in the apns-id header. */
  apnsId: string;
  deviceToken: string;
  topic: string;
  pushType: string;
  priority: number;
  /** Epoch seconds; 0 means deliver now or never. */
  expiration: number;
  collapseId: string | undefined;
  payload: Record<string, unknown>;
  /** Request headers, lower-cased, without the authorization header and pseudo-headers. */
  headers: Record<string, string>;
  /** The verified provider token's claims. */
  providerToken: { keyId: string; teamId: string; issuedAt: number };
  receivedAt: number;
}

/** What a client needs to send to this emulator: pass these (and `ca`) into its configuration. */
export interface ApnsEmulatorCredentials {
  keyId: string;
  teamId: string;
  topic: string;
  /** PKCS#8 PEM of the generated signing key; undefined when the emulator was given a public key. */
  privateKey: string | undefined;
}

export interface ApnsEmulatorHandle extends EmulatorHandle<ApnsReceived, ApnsControl> {
  /** https://host:port of the HTTP/2 API. */
  readonly url: string;
  /** PEM certificate the API serves: a client trusts it as its `ca`. */
  readonly ca: string;
  readonly credentials: ApnsEmulatorCredentials;
  /** The HTTP control URL when `controlPort` was given. */
  readonly controlUrl: string | undefined;
  /** HTTP/2 connections accepted since start: a client that reuses its connection opens one. */
  readonly connections: number;
  /** Sends GOAWAY (reason Shutdown) on every open connection and closes it, as APNs does when a server leaves. */
  goAway(): void;
}

/**
 * Control with APNs' extra state: unregistered tokens, tokens of another app and the registered signing
 * keys. `reset()` clears the token state and keeps the keys.
 */
export class ApnsControl extends EmulatorControl {
  /** Device token → when APNs learnt the app was gone (epoch ms). */
  readonly unregisteredTokens = new Map<string, number>();
  /** Tokens issued to another app: answered with DeviceTokenNotForTopic. */
  readonly otherTopicTokens = new Set<string>();
  readonly providerKeys = new Map<string, KeyObject>();

  constructor(
    options: EmulatorControlOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    super(options);
  }

  unregisterTokens(...tokens: string[]): this {
    for (const t of tokens) this.unregisteredTokens.set(t, this.now());
    return this;
  }

  assignTokensToOtherTopic(...tokens: string[]): this {
    for (const t of tokens) this.otherTopicTokens.add(t);
    return this;
  }

  /** Registers a signing key's public half (PEM, or the private PEM it derives from) under its key id. */
  registerKey(keyId: string, publicKey: string): this {
    this.providerKeys.set(keyId, createPublicKey(publicKey));
    return this;
  }

  /** Clears token state and scripted misbehaviour; registered keys stay. */
  override reset(): this {
    this.unregisteredTokens.clear();
    this.otherTopicTokens.clear();
    return super.reset();
  }
}

interface ApnsReply {
  status: number;
  reason?: string;
  /** For 410: when the token stopped being valid (epoch ms). */
  timestamp?: number;
  apnsId?: string;
  headers?: Record<string, string>;
}

type Outcome = { reply: ApnsReply; record?: ApnsReceived };

const refuse = (status: number, reason: string, extra: Partial<ApnsReply> = {}): Outcome => ({
  reply: { status, reason, ...extra },
});

/**
 * Emulates APNs' HTTP/2 provider API (`POST /3/device/<token>`) over TLS with a self-signed certificate,
 * with token-based (JWT) authentication, checked the way APNs checks it.
 */
export async function startApnsEmulator(options: ApnsEmulatorOptions = {}): Promise<ApnsEmulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const teamId = options.teamId ?? DEFAULT_APNS_TEAM_ID;
  const topic = options.topic ?? DEFAULT_APNS_TOPIC;
  const keyId = options.keyId ?? DEFAULT_APNS_KEY_ID;
  const control = new ApnsControl(options.random ? { random: options.random } : {}, now);
  control.unregisterTokens(...(options.unregisteredTokens ?? []));

  let privateKey: string | undefined;
  if (options.publicKey !== undefined) control.registerKey(keyId, options.publicKey);
  else {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    control.registerKey(keyId, privateKey);
  }

  const tls = options.tls ?? (await selfSignedCertificate([host, ...(options.hostnames ?? [])]));
  const { received, calls, clearReceived, delay, clearTimers } = emulatorRecords<ApnsReceived>();
  const sessions = new Set<Http2Session>();
  let connections = 0;

  async function serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const method = String(headers[':method'] ?? '');
    const path = String(headers[':path'] ?? '');
    const record = (status: number): void => {
      calls.push({ method, path: path.split('?')[0] ?? path, status, at: now() });
    };
    const answer = (outcome: Outcome): void => {
      if (outcome.record !== undefined) received.push(outcome.record);
      record(outcome.reply.status);
      respond(stream, outcome.reply);
    };

    const match = SEND_PATH.exec(path);
    if (!match) {
      stream.resume();
      answer(refuse(404, 'BadPath'));
      return;
    }
    if (method !== 'POST') {
      stream.resume();
      answer(refuse(405, 'MethodNotAllowed'));
      return;
    }
    const body = await readStream(stream, MAX_REQUEST_BYTES);
    if (body === 'aborted') return;
    const plan = control.next();
    await delay(plan.delayMs);
    if (stream.destroyed || stream.closed) return;

    if (plan.failure) {
      const requestedId = headerOf(headers, 'apns-id');
      const reply = failureReply(plan.failure);
      answer({
        reply:
          requestedId !== undefined && UUID.test(requestedId) ? { ...reply, apnsId: requestedId } : reply,
      });
    } else if (body === 'too-large') answer(refuse(413, 'PayloadTooLarge'));
    else answer(await check(match[1] ?? '', headers, body));
  }

  async function check(deviceToken: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Outcome> {
    const requestedId = headerOf(headers, 'apns-id');
    if (requestedId !== undefined && !UUID.test(requestedId)) return refuse(400, 'BadMessageId');
    const apnsId = requestedId ?? randomUUID();
    const withId = (outcome: Outcome): Outcome => ({ ...outcome, reply: { ...outcome.reply, apnsId } });

    const auth = await checkProviderToken(headerOf(headers, 'authorization'));
    if ('reason' in auth) return withId(refuse(403, auth.reason));

    const pushType = headerOf(headers, 'apns-push-type') ?? 'alert';
    const suffix = TOPIC_SUFFIX[pushType];
    if (suffix === undefined) return withId(refuse(400, 'InvalidPushType'));
    const requestedTopic = headerOf(headers, 'apns-topic');
    if (requestedTopic === undefined || requestedTopic === '') return withId(refuse(400, 'MissingTopic'));
    if (requestedTopic !== topic + suffix) return withId(refuse(400, 'BadTopic'));

    const priorityHeader = headerOf(headers, 'apns-priority') ?? '10';
    if (!PRIORITIES.has(priorityHeader)) return withId(refuse(400, 'BadPriority'));
    const expirationHeader = headerOf(headers, 'apns-expiration') ?? '0';
    if (!/^\d{1,10}$/.test(expirationHeader)) return withId(refuse(400, 'BadExpirationDate'));
    const collapseId = headerOf(headers, 'apns-collapse-id');
    if (collapseId !== undefined && Buffer.byteLength(collapseId) > MAX_COLLAPSE_ID_BYTES)
      return withId(refuse(400, 'BadCollapseId'));

    if (deviceToken === '') return withId(refuse(400, 'MissingDeviceToken'));
    if (!DEVICE_TOKEN.test(deviceToken)) return withId(refuse(400, 'BadDeviceToken'));

    if (body.length === 0) return withId(refuse(400, 'PayloadEmpty'));
    if (body.length > APNS_MAX_PAYLOAD_BYTES) return withId(refuse(413, 'PayloadTooLarge'));
    const payload = parseObject(body);
    // APNs documents no reason for a payload that is not a JSON object; this one is the emulator's.
    if (payload === undefined || !isObject(payload.aps)) return withId(refuse(400, 'BadPayload'));
    // A background (content-available only) notification sent at priority 10 is an error for APNs.
    if (pushType === 'background' && priorityHeader === '10') return withId(refuse(400, 'BadPriority'));

    if (control.otherTopicTokens.has(deviceToken)) return withId(refuse(400, 'DeviceTokenNotForTopic'));
    const gone = control.unregisteredTokens.get(deviceToken);
    if (gone !== undefined) return withId(refuse(410, 'Unregistered', { timestamp: gone }));

    return {
      reply: { status: 200, apnsId },
      record: {
        apnsId,
        deviceToken,
        topic: requestedTopic,
        pushType,
        priority: Number(priorityHeader),
        expiration: Number(expirationHeader),
        collapseId,
        payload,
        headers: plainHeaders(headers),
        providerToken: auth,
        receivedAt: now(),
      },
    };
  }

  /** The token's claims once it passes every check APNs makes, else the reason APNs gives. */
  async function checkProviderToken(
    authorization: string | undefined,
  ): Promise<ApnsReceived['providerToken'] | { reason: string }> {
    const jwt = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (jwt === undefined) return { reason: 'MissingProviderToken' };
    const invalid = { reason: 'InvalidProviderToken' };
    let claims: { iss?: unknown; iat?: unknown };
    let kid: string;
    try {
      const header = decodeProtectedHeader(jwt);
      const key = typeof header.kid === 'string' ? control.providerKeys.get(header.kid) : undefined;
      if (header.alg !== 'ES256' || key === undefined) return invalid;
      kid = header.kid as string;
      const { payload } = await compactVerify(jwt, key, { algorithms: ['ES256'] });
      claims = JSON.parse(Buffer.from(payload).toString('utf8')) as typeof claims;
    } catch {
      return invalid;
    }
    if (claims.iss !== teamId || typeof claims.iat !== 'number' || !Number.isInteger(claims.iat))
      return invalid;
    const issuedAtMs = claims.iat * 1000;
    if (issuedAtMs > now()) return invalid;
    if (now() - issuedAtMs > APNS_PROVIDER_TOKEN_MAX_AGE_MS) return { reason: 'ExpiredProviderToken' };
    return { keyId: kid, teamId, issuedAt: claims.iat };
  }

  const server = http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false });
  server.on('session', (session) => {
    connections += 1;
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', () => {
      // A client's broken connection is its own business; the server keeps running.
    });
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    serve(stream, headers).catch(() => {
      if (!stream.headersSent && !stream.destroyed)
        respond(stream, { status: 500, reason: 'InternalServerError' });
      else stream.close();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let controlServer: ControlServer | undefined;
  if (options.controlPort !== undefined) {
    controlServer = await startControlServer(
      {
        control,
        received,
        calls,
        clearReceived,
        applyExtra: (extra) => applyExtra(control, extra),
        extraState: () => ({
          unregisteredTokens: [...control.unregisteredTokens.keys()],
          otherTopicTokens: [...control.otherTopicTokens],
          keyIds: [...control.providerKeys.keys()],
          teamId,
          topic,
          ca: tls.cert,
        }),
      },
      options.controlPort,
      host,
    );
  }

  return {
    url: `https://${urlHost}:${address.port}`,
    port: address.port,
    ca: tls.cert,
    credentials: { keyId, teamId, topic, privateKey },
    controlUrl: controlServer?.url,
    received,
    calls,
    control,
    clearReceived,
    get connections() {
      return connections;
    },
    goAway() {
      for (const session of sessions) {
        if (session.closed || session.destroyed) continue;
        session.goaway(
          http2.constants.NGHTTP2_NO_ERROR,
          0,
          Buffer.from(JSON.stringify({ reason: 'Shutdown' })),
        );
        session.close();
      }
    },
    async stop() {
      clearTimers();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      await Promise.all([closed, controlServer?.stop()]);
    },
  };
}

/** A string shaped like an APNs device token (32 bytes as hex), for tests that need one it accepts. */
export function fakeApnsToken(): string {
  return randomBytes(32).toString('hex');
}

function applyExtra(control: ApnsControl, extra: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  for (const [key, value] of Object.entries(extra)) {
    if (key === 'unregisteredTokens' && strings(value)) control.unregisterTokens(...value);
    else if (key === 'otherTopicTokens' && strings(value)) control.assignTokensToOtherTopic(...value);
    else if (key === 'providerKeys' && Array.isArray(value)) {
      for (const k of value as Array<{ keyId?: unknown; publicKey?: unknown }>) {
        if (typeof k?.keyId !== 'string' || typeof k.publicKey !== 'string') {
          problems.push('providerKeys must be an array of {keyId, publicKey}');
          continue;
        }
        try {
          control.registerKey(k.keyId, k.publicKey);
        } catch {
          problems.push(`providerKeys: the key for ${k.keyId} is not a PEM key`);
        }
      }
    } else if (key === 'unregisteredTokens' || key === 'otherTopicTokens')
      problems.push(`${key} must be an array of strings`);
    else if (key === 'providerKeys') problems.push('providerKeys must be an array of {keyId, publicKey}');
    else problems.push(`unknown field ${key}`);
  }
  return problems;
}

/** APNs' reason for a scripted status; a 4xx APNs has no single reason for gets BadMessageId. */
function failureReply(failure: InjectedFailure): ApnsReply {
  const headers =
    failure.retryAfterSeconds !== undefined
      ? { 'retry-after': String(failure.retryAfterSeconds) }
      : undefined;
  const reason =
    failure.status === 429
      ? 'TooManyRequests'
      : failure.status === 503
        ? 'ServiceUnavailable'
        : failure.status >= 500
          ? 'InternalServerError'
          : failure.status === 410
            ? 'Unregistered'
            : failure.status === 413
              ? 'PayloadTooLarge'
              : failure.status === 403
                ? 'Forbidden'
                : 'BadMessageId';
  return {
    status: failure.status,
    reason,
    ...(failure.status === 410 ? { timestamp: Date.now() } : {}),
    ...(headers ? { headers } : {}),
  };
}

function respond(stream: ServerHttp2Stream, reply: ApnsReply): void {
  if (stream.destroyed || stream.closed) return;
  const headers: Record<string, string | number> = { ':status': reply.status, ...reply.headers };
  if (reply.apnsId !== undefined) headers['apns-id'] = reply.apnsId;
  if (reply.reason === undefined) {
    stream.respond(headers, { endStream: true });
    return;
  }
  const body = JSON.stringify({
    reason: reply.reason,
    ...(reply.timestamp !== undefined ? { timestamp: reply.timestamp } : {}),
  });
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = Buffer.byteLength(body);
  stream.respond(headers);
  stream.end(body);
}

/** Reads a request body, keeping at most `limitBytes`; the rest is drained so the client gets an answer. */
function readStream(
  stream: ServerHttp2Stream,
  limitBytes: number,
): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    stream.on('end', () => resolve(size > limitBytes ? 'too-large' : Buffer.concat(chunks)));
    stream.on('aborted', () => resolve('aborted'));
    stream.on('close', () => resolve('aborted'));
  });
}

async function selfSignedCertificate(names: string[]): Promise<{ key: string; cert: string }> {
  const all = [...new Set(['localhost', '127.0.0.1', '::1', ...names])].filter(
    (n) => n !== '' && n !== '0.0.0.0' && n !== '::',
  );
  const notBefore = new Date(Date.now() - 60_000); // tolerate a minute of clock skew
  const pems = await generateCertificate([{ name: 'commonName', value: 'apns-emulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: new Date(notBefore.getTime() + CERTIFICATE_LIFETIME_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: all.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })),
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(':') || k === 'authorization' || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
