import { STATUS_CODES } from 'node:http';
import type { InjectedFailure } from './control.js';
import type { EmulatorHandle, EmulatorOptions } from './emulator-handle.js';
import { startHttpEmulator, type ApiReply } from './http-emulator.js';
import { header, withoutAuth } from './request-headers.js';
import {
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './webhook-signature.js';

export const DEFAULT_WEBHOOK_SECRET = 'emulator-webhook-secret';
const MAX_WEBHOOK_BYTES = 1024 * 1024; // 1 MiB

export interface WebhookReceiverOptions extends EmulatorOptions {
  /** The HMAC secret deliveries must be signed with. */
  secret?: string;
  /** How old a signature may be, in seconds (default 300). */
  toleranceSeconds?: number;
}

export interface WebhookReceived {
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
  rawBody: string;
  /** Signature timestamp, epoch seconds. */
  timestamp: number;
  idempotencyKey: string | undefined;
  traceparent: string | undefined;
  receivedAt: number;
}

/** A webhook endpoint that accepts signed POSTs on any path and records them. */
export function startWebhookReceiver(
  options: WebhookReceiverOptions = {},
): Promise<EmulatorHandle<WebhookReceived>> {
  const secret = options.secret ?? DEFAULT_WEBHOOK_SECRET;

  return startHttpEmulator<WebhookReceived>({
    options,
    maxBodyBytes: MAX_WEBHOOK_BYTES,
    matches: (method) => method === 'POST',
    notFoundReply: (method) => ({ status: 405, body: { error: `method ${method} not allowed` } }),
    tooLargeReply: () => ({ status: 413, body: { error: 'payload too large' } }),
    failureReply: webhookFailure,
    handle(req) {
      const check = verifyWebhookSignature({
        secret,
        timestamp: header(req.headers, WEBHOOK_TIMESTAMP_HEADER),
        signature: header(req.headers, WEBHOOK_SIGNATURE_HEADER),
        body: req.raw,
        ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
      });
      if (!check.ok)
        return { reply: { status: 401, body: { error: 'invalid signature', reason: check.reason } } };

      const rawBody = req.raw.toString('utf8');
      let body: unknown = rawBody;
      try {
        body = JSON.parse(rawBody);
      } catch {
        // Non-JSON bodies are recorded as text.
      }
      return {
        reply: { status: 200, body: { received: true } },
        record: {
          path: req.path,
          headers: withoutAuth(req.headers),
          body,
          rawBody,
          timestamp: check.timestamp,
          idempotencyKey: header(req.headers, 'idempotency-key'),
          traceparent: header(req.headers, 'traceparent'),
          receivedAt: Date.now(),
        },
      };
    },
  });
}

function webhookFailure(failure: InjectedFailure): ApiReply {
  return {
    status: failure.status,
    body: { error: STATUS_CODES[failure.status] ?? 'error' },
    ...(failure.retryAfterSeconds !== undefined
      ? { headers: { 'retry-after': String(failure.retryAfterSeconds) } }
      : {}),
  };
}
