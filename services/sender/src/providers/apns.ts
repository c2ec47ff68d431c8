import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { ConfigError, ErrorCodes, ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { parseRetryAfter } from './retry-after.js';
import { collapseKeyOf } from './collapse-key.js';
import { sendWithin } from './send-within.js';
import { fromTransportError } from './transport-errors.js';

export interface ApnsConfig {
  /** Key ID of the .p8 signing key (Apple developer account, 10 characters). */
  keyId: string;
  /** Team ID (10 characters): the provider token's issuer. */
  teamId: string;
  /** The .p8 signing key: a PKCS#8 PEM of a P-256 private key. */
  privateKey: string;
  /** The app's bundle id, sent as apns-topic. */
  topic: string;
  /** API origin; defaults to https://api.push.apple.com (sandbox: https://api.sandbox.push.apple.com). */
  baseUrl?: string;
  /** Certificates (PEM) to trust instead of the system's, e.g. an emulator's self-signed one. */
  ca?: string | Buffer;
  /** Defaults to true; false accepts any server certificate (local testing only). */
  rejectUnauthorized?: boolean;
  /** aps.sound of alert notifications, e.g. 'default'; silent when unset. */
  sound?: string;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
  /** How long one provider token is used before a new one is signed (ms). */
  tokenRefreshMs?: number;
  /** Clock for the provider token's iat (epoch ms); defaults to Date.now. */
  now?: () => number;
}

export const APNS_DEFAULT_BASE_URL = 'https://api.push.apple.com';
export const APNS_SANDBOX_BASE_URL = 'https://api.sandbox.push.apple.com';
/** APNs' payload limit for every push type but VoIP. */
export const APNS_MAX_PAYLOAD_BYTES = 4096;
/**
 * APNs refuses a provider token older than an hour (ExpiredProviderToken) and one renewed more often than
 * every 20 minutes (TooManyProviderTokenUpdates); renewing at 50 minutes stays inside both.
 */
const TOKEN_REFRESH_MS = 50 * 60_000; // 50 minutes

/** Reasons that mean the device token will never be delivered to again: the app is gone or it is not ours. */
const INVALID_TOKEN_REASONS = new Set([
  'BadDeviceToken',
  'Unregistered',
  'ExpiredToken',
  'DeviceTokenNotForTopic',
]);
/** Reasons that a freshly signed provider token can cure. */
const PROVIDER_TOKEN_REASONS = new Set([
  'ExpiredProviderToken',
  'InvalidProviderToken',
  'MissingProviderToken',
]);

/** ProviderError.details of an APNs refusal. */
export interface ApnsErrorDetails {
  /** APNs' `reason`, e.g. 'Unregistered'. */
  apnsReason?: string;
  /** The apns-id APNs answered with: what Apple asks for about one notification. */
  apnsId?: string;
  /** True when the device token is dead (unregistered, malformed or another app's): stop sending to it. */
  invalidToken?: boolean;
  /** For 410: when APNs learnt the token was no longer valid (epoch ms). */
  unregisteredAt?: number;
}

/** The device token a failed send proved dead, with APNs' reason; undefined for any other failure. */
export function invalidApnsToken(
  err: unknown,
  message: Pick<Dispatch, 'to'>,
): { token: string; reason: string; unregisteredAt?: number } | undefined {
  if (!(err instanceof ProviderError) || err.provider !== 'apns') return undefined;
  const details = err.details as ApnsErrorDetails;
  if (details.invalidToken !== true || details.apnsReason === undefined) return undefined;
  return {
    token: message.to,
    reason: details.apnsReason,
    ...(details.unregisteredAt !== undefined ? { unregisteredAt: details.unregisteredAt } : {}),
  };
}

interface ApnsReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Push notifications through Apple's HTTP/2 provider API, to the device token in `message.to`, with
 * token-based authentication. One HTTP/2 connection per origin carries every send; a new one is opened
 * when APNs sends GOAWAY or the connection closes.
 */
export class ApnsAdapter implements ProviderAdapter {
  readonly provider = 'apns' as const;
  readonly channel = 'PUSH' as const;
  private readonly origin: string;
  private readonly tokens: ProviderTokens;
  private session: ClientHttp2Session | undefined;

  constructor(private readonly config: ApnsConfig) {
    const problems: string[] = [];
    if (!config.keyId) problems.push('apns keyId is required');
    if (!config.teamId) problems.push('apns teamId is required');
    if (!config.topic) problems.push('apns topic is required');
    let key: KeyObject | undefined;
    try {
      key = createPrivateKey(config.privateKey);
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
        problems.push('apns privateKey must be a P-256 (ES256) key');
    } catch {
      problems.push('apns privateKey is not a PEM private key');
    }
    try {
      this.origin = new URL(config.baseUrl ?? APNS_DEFAULT_BASE_URL).origin;
    } catch {
      problems.push(`apns baseUrl ${config.baseUrl} is not a URL`);
      this.origin = '';
    }
    if (problems.length > 0 || key === undefined) throw new ConfigError(problems);
    this.tokens = new ProviderTokens(
      config.keyId,
      config.teamId,
      key,
      config.tokenRefreshMs ?? TOKEN_REFRESH_MS,
      config.now ?? Date.now,
    );
  }

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, async (signal, timeoutMs) => {
      const payload = Buffer.from(JSON.stringify(this.toPayload(message)), 'utf8');
      if (payload.length > APNS_MAX_PAYLOAD_BYTES) {
        throw new ProviderError(
          this.provider,
          ErrorCodes.PROVIDER_REJECTED,
          `apns payload is ${payload.length} bytes, over APNs' ${APNS_MAX_PAYLOAD_BYTES}-byte limit`,
          false,
          { details: { apnsReason: 'PayloadTooLarge', payloadBytes: payload.length } },
        );
      }
      const apnsId = apnsIdFor(message.notificationId);
      const headers = this.headersFor(message, apnsId);
      const path = `/3/device/${encodeURIComponent(message.to)}`;
      try {
        let jwt = this.tokens.current();
        let reply = await this.post(path, { ...headers, authorization: `bearer ${jwt}` }, payload, signal);
        if (reply.status === 403 && PROVIDER_TOKEN_REASONS.has(reasonOf(reply.body) ?? '')) {
          this.tokens.refused(jwt);
          jwt = this.tokens.current();
          reply = await this.post(path, { ...headers, authorization: `bearer ${jwt}` }, payload, signal);
        }
        if (reply.status === 200) return { providerMessageId: headerOf(reply.headers, 'apns-id') ?? apnsId };
        throw this.fromErrorReply(reply);
      } catch (err) {
        throw fromTransportError(this.provider, err, timeoutMs);
      }
    });
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session === undefined || session.destroyed) return;
    await new Promise<void>((resolve) => session.close(() => resolve()));
  }

  private headersFor(message: Dispatch, apnsId: string): Record<string, string> {
    const background = !hasVisibleContent(message);
    const collapseId = collapseKeyOf(message);
    return {
      'apns-topic': this.config.topic,
      'apns-push-type': background ? 'background' : 'alert',
      // APNs refuses priority 10 for a notification that only wakes the app.
      'apns-priority': background ? '5' : '10',
      // 0: deliver now or never. APNs takes epoch seconds.
      'apns-expiration': String(message.expiresAt === null ? 0 : Math.floor(message.expiresAt / 1000)),
      'apns-id': apnsId,
      ...(collapseId ? { 'apns-collapse-id': collapseId } : {}),
      'content-type': 'application/json',
    };
  }

  private toPayload(message: Dispatch): Record<string, unknown> {
    const aps = hasVisibleContent(message)
      ? {
          alert: {
            ...(message.subject?.trim() ? { title: message.subject } : {}),
            ...(message.text.trim() ? { body: message.text } : {}),
          },
          ...(this.config.sound !== undefined ? { sound: this.config.sound } : {}),
        }
      : { 'content-available': 1 };
    // The app can drop a notification it has already shown by this id.
    return { ...message.data, notificationId: message.notificationId, aps };
  }

  /**
   * One request on the shared connection. A request the connection refused before APNs read it (the
   * connection was going away) is made once more on a new connection.
   */
  private async post(
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<ApnsReply> {
    try {
      return await this.request(path, headers, body, signal);
    } catch (err) {
      if (signal.aborted || !neverProcessed(err)) throw err;
      return this.request(path, headers, body, signal);
    }
  }

  private request(
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    signal: AbortSignal,
  ): Promise<ApnsReply> {
    return new Promise((resolve, reject) => {
      const session = this.connection();
      // A connection still not up when a send gives up is not reused: the next send dials again.
      signal.addEventListener('abort', () => session.connecting && session.destroy(), { once: true });
      const stream = session.request({ ':method': 'POST', ':path': path, ...headers }, { signal });
      let responseHeaders: IncomingHttpHeaders = {};
      let settled = false;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        settled = true;
        resolve({
          status: Number(responseHeaders[':status']),
          headers: responseHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      const fail = (err: unknown): void => {
        settled = true;
        reject(stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM ? new StreamRefusedError(err) : err);
      };
      stream.on('error', fail);
      stream.on('close', () => {
        if (!settled) fail(new Error(`apns reset the stream (HTTP/2 code ${stream.rstCode})`));
      });
      stream.end(body);
    });
  }

  private connection(): ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2.connect(this.origin, {
      ...(this.config.ca !== undefined ? { ca: this.config.ca } : {}),
      ...(this.config.rejectUnauthorized !== undefined
        ? { rejectUnauthorized: this.config.rejectUnauthorized }
        : {}),
    });
    const forget = (): void => {
      if (this.session === session) this.session = undefined;
    };
    // Streams in flight carry the connection's failure to their callers.
    session.on('error', forget);
    session.once('goaway', forget);
    session.once('close', forget);
    this.session = session;
    return session;
  }

  private fromErrorReply(reply: ApnsReply): ProviderError {
    const parsed = parseJson(reply.body) as { reason?: unknown; timestamp?: unknown } | undefined;
    const reason = typeof parsed?.reason === 'string' ? parsed.reason : undefined;
    const apnsId = headerOf(reply.headers, 'apns-id');
    const details: ApnsErrorDetails = {
      ...(reason !== undefined ? { apnsReason: reason } : {}),
      ...(apnsId !== undefined ? { apnsId } : {}),
    };
    if (reason !== undefined && INVALID_TOKEN_REASONS.has(reason)) details.invalidToken = true;
    if (reply.status === 410) {
      details.invalidToken = true;
      if (typeof parsed?.timestamp === 'number') details.unregisteredAt = parsed.timestamp;
    }
    const retryAfterMs = parseRetryAfter(headerOf(reply.headers, 'retry-after'));
    return ProviderError.fromStatus(
      this.provider,
      reply.status,
      `apns answered ${reply.status} ${reason ?? reply.body.slice(0, 200)}`,
      { details: { ...details }, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    );
  }
}

/** The ES256 provider token, signed once and reused until it is due for renewal or APNs refuses it. */
class ProviderTokens {
  private token: { jwt: string; signedAtMs: number } | undefined;

  constructor(
    private readonly keyId: string,
    private readonly teamId: string,
    private readonly key: KeyObject,
    private readonly refreshMs: number,
    private readonly now: () => number,
  ) {}

  current(): string {
    const now = this.now();
    const token = this.token;
    if (token !== undefined && now >= token.signedAtMs && now - token.signedAtMs < this.refreshMs)
      return token.jwt;
    const jwt = signProviderToken(this.keyId, this.teamId, this.key, Math.floor(now / 1000));
    this.token = { jwt, signedAtMs: now };
    return jwt;
  }

  /** Drops a token APNs refused, unless a concurrent send has already replaced it. */
  refused(jwt: string): void {
    if (this.token?.jwt === jwt) this.token = undefined;
  }
}

function signProviderToken(keyId: string, teamId: string, key: KeyObject, issuedAtSeconds: number): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'ES256', kid: keyId })}.${encode({ iss: teamId, iat: issuedAtSeconds })}`;
  // JWS wants the raw r||s signature, not DER.
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Fixed namespace of the name-based apns-ids (RFC 9562, version 5). */
const APNS_ID_NAMESPACE = Buffer.from('6f1c2a4e0d9b4c7e8a3f5b2d1e0c9a87', 'hex');

/**
 * The apns-id of a notification: a UUID derived from its id, so that every retry of one notification
 * carries the same apns-id.
 */
export function apnsIdFor(notificationId: string): string {
  const hash = createHash('sha1').update(APNS_ID_NAMESPACE).update(notificationId, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function hasVisibleContent(message: Dispatch): boolean {
  return Boolean(message.subject?.trim() || message.text.trim());
}

/** The server refused the stream (REFUSED_STREAM, or past the last stream of its GOAWAY) without reading it. */
class StreamRefusedError extends Error {
  constructor(cause: unknown) {
    super(`apns refused the stream: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StreamRefusedError';
  }
}

/** Errors that prove the request never reached APNs' application: safe to make again. */
function neverProcessed(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    err instanceof StreamRefusedError ||
    code === 'ERR_HTTP2_GOAWAY_SESSION' ||
    code === 'ERR_HTTP2_INVALID_SESSION'
  );
}

function reasonOf(body: string): string | undefined {
  const reason = (parseJson(body) as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
