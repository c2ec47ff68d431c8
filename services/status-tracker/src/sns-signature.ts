import { DependencyUnavailableError } from '@notify/core';
import { createVerify, X509Certificate } from 'node:crypto';
import https from 'node:https';
import { snsStringToSign, type SnsMessage } from './domain/sns-message.js';

export const SNS_MESSAGE_TYPE_HEADER = 'x-amz-sns-message-type';

/** sns.<region>.amazonaws.com (.com.cn in China), on the default HTTPS port: where SNS signs from. */
export const AWS_SNS_HOST_PATTERN = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The body of an HTTPS GET; throws a DependencyUnavailableError when there is none. */
export type HttpsGet = (url: URL) => Promise<string>;

export interface SnsSignatureVerifierOptions {
  /** Hosts (`host` or `host:port`) allowed to serve signing certificates and subscription URLs. */
  hostPattern?: RegExp;
  get?: HttpsGet;
  /** Certificates kept; SNS signs with one per region at a time. */
  maxCachedCertificates?: number;
  now?: () => number;
}

const ALGORITHMS = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' } as const;
const DEFAULT_MAX_CACHED = 32;

/**
 * Verifies Amazon SNS message signatures as AWS documents it: the SigningCertURL must be an https .pem
 * URL on an allowed SNS host; the certificate there (fetched once, then cached) must be within its
 * validity; its key must verify `Signature` over the message's canonical string (snsStringToSign) with
 * SHA1withRSA for SignatureVersion 1 and SHA256withRSA for 2.
 */
export class SnsSignatureVerifier {
  private readonly hostPattern: RegExp;
  private readonly get: HttpsGet;
  private readonly maxCached: number;
  private readonly now: () => number;
  private readonly certificates = new Map<string, Promise<X509Certificate>>();

  constructor(options: SnsSignatureVerifierOptions = {}) {
    this.hostPattern = options.hostPattern ?? AWS_SNS_HOST_PATTERN;
    this.get = options.get ?? httpsGetter();
    this.maxCached = options.maxCachedCertificates ?? DEFAULT_MAX_CACHED;
    this.now = options.now ?? Date.now;
  }

  /** The URL when it is https, without credentials, on an allowed host; null otherwise. */
  allowedUrl(raw: string): URL | null {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return null;
    }
    if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return null;
    return this.hostPattern.test(url.host) ? url : null;
  }

  /** Whether SNS signed the message. A certificate that cannot be fetched is thrown, not false: SNS retries. */
  async verify(message: SnsMessage): Promise<boolean> {
    const url = this.allowedUrl(message.SigningCertURL);
    if (!url || !url.pathname.endsWith('.pem')) return false;
    const certificate = await this.certificate(url);
    const now = this.now();
    if (Date.parse(certificate.validFrom) > now || Date.parse(certificate.validTo) < now) return false;
    try {
      const verifier = createVerify(ALGORITHMS[message.SignatureVersion]).update(snsStringToSign(message), 'utf8');
      return verifier.verify(certificate.publicKey, message.Signature, 'base64');
    } catch {
      return false; // a signature that is not one
    }
  }

  /** Confirms a subscription by GETting its SubscribeURL, on an allowed host only (false otherwise). */
  async confirmSubscription(subscribeUrl: string): Promise<boolean> {
    const url = this.allowedUrl(subscribeUrl);
    if (!url) return false;
    await this.get(url);
    return true;
  }

  private certificate(url: URL): Promise<X509Certificate> {
    const key = url.href;
    const cached = this.certificates.get(key);
    if (cached) return cached;
    const pending = this.get(url).then((pem) => {
      try {
        return new X509Certificate(pem);
      } catch (err) {
        throw new DependencyUnavailableError(`SNS signing certificate (${key} is not a certificate)`, { cause: err });
      }
    });
    if (this.certificates.size >= this.maxCached) this.certificates.delete(this.certificates.keys().next().value as string);
    this.certificates.set(key, pending);
    // A failed fetch is tried again by the next message, not remembered.
    pending.catch(() => {
      if (this.certificates.get(key) === pending) this.certificates.delete(key);
    });
    return pending;
  }
}

export interface HttpsGetterOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** Extra trust (PEM), e.g. a test's self-signed certificate. */
  ca?: string;
}

const DEFAULT_TIMEOUT_MS = 5_000; // 5 s
const DEFAULT_MAX_BYTES = 64 * 1024; // a certificate or a confirmation is a few KiB

/** GET over HTTPS: 200 only, bounded in time and size, redirects not followed. */
export function httpsGetter(options: HttpsGetterOptions = {}): HttpsGet {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return (url) =>
    new Promise((resolve, reject) => {
      const fail = (why: string, cause?: unknown) => reject(new DependencyUnavailableError(`SNS at ${url.host} (${why})`, { cause }));
      const req = https.get(url, { timeout, ...(options.ca ? { ca: options.ca } : {}) }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(`answered ${res.statusCode}`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            fail(`answer larger than ${maxBytes} bytes`);
            req.destroy();
          } else chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) => fail(err.message, err));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout} ms`)));
      req.on('error', (err) => fail(err.message, err));
    });
}
