import { ErrorCodes, ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import { effectiveTimeout, withDeadline } from './deadline.js';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { parseRetryAfter } from './retry-after.js';
import { fromTransportError } from './transport-errors.js';
import { signWebhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './webhook-signature.js';

export interface WebhookConfig {
  /** HMAC secret every delivery is signed with. */
  secret: string;
  /** Refuse plain-http endpoints. */
  requireHttps?: boolean;
  userAgent?: string;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
  /** Clock for the signature timestamp; tests pin it. */
  now?: () => number;
}

/** How much of an error reply is kept for the message. */
const ERROR_SNIPPET_CHARS = 200;

/**
 * POSTs the dispatch as JSON to the URL in `message.to`, signed, with the idempotency key so the
 * receiver can drop a redelivery. Redirects are not followed: a POST must not silently become a GET.
 */
export class WebhookAdapter implements ProviderAdapter {
  readonly provider = 'webhook' as const;
  readonly channel = 'WEBHOOK' as const;

  constructor(private readonly config: WebhookConfig) {}

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    if (message.channel !== this.channel) {
      throw new ProviderError(
        this.provider,
        ErrorCodes.PROVIDER_REJECTED,
        `webhook cannot deliver ${message.channel}`,
        false,
      );
    }
    const url = this.endpoint(message.to);
    const timeoutMs = effectiveTimeout(ctx.timeoutMs, this.config.timeoutMs);
    const body = JSON.stringify(message);
    const timestamp = Math.floor((this.config.now?.() ?? Date.now()) / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.config.userAgent ?? 'notify-webhook/1',
      [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
      [WEBHOOK_SIGNATURE_HEADER]: signWebhook(this.config.secret, timestamp, body),
      'idempotency-key': ctx.idempotencyKey,
      ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    };

    try {
      return await withDeadline(this.provider, timeoutMs, async (signal) => {
        const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal });
        const text = await res.text();
        if (res.ok) return { providerMessageId: res.headers.get('x-request-id') ?? ctx.idempotencyKey };
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        throw ProviderError.fromStatus(
          this.provider,
          res.status,
          `webhook ${url.host} answered ${res.status}: ${text.slice(0, ERROR_SNIPPET_CHARS)}`,
          {
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          },
        );
      });
    } catch (err) {
      throw fromTransportError(this.provider, err, timeoutMs);
    }
  }

  async close(): Promise<void> {
    // fetch keeps no state of its own here.
  }

  private endpoint(to: string): URL {
    let url: URL;
    try {
      url = new URL(to);
    } catch {
      throw new ProviderError(
        this.provider,
        ErrorCodes.PROVIDER_REJECTED,
        `webhook address is not a URL: ${to}`,
        false,
      );
    }
    const allowed = this.config.requireHttps ? ['https:'] : ['https:', 'http:'];
    if (!allowed.includes(url.protocol)) {
      throw new ProviderError(
        this.provider,
        ErrorCodes.PROVIDER_REJECTED,
        `webhook address must use ${allowed.join(' or ')}: ${to}`,
        false,
      );
    }
    return url;
  }
}
