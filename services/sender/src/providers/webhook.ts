import { ErrorCodes, ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import { fetch, type Agent } from 'undici';
import { AddressPolicy, findAddressRefusal } from './address-policy.js';
import { createGuardedDispatcher, type Resolver } from './guarded-lookup.js';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { parseRetryAfter } from './retry-after.js';
import { sendWithin } from './send-within.js';
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
  /**
   * Host names and CIDRs deliveries may reach although they are not public (WEBHOOK_ALLOWED_HOSTS);
   * everything else must resolve to public addresses only.
   */
  allowedHosts?: readonly string[];
  /** DNS resolution; tests pin it. */
  resolve?: Resolver;
}

/** How much of an error reply is kept for the message. */
const ERROR_SNIPPET_CHARS = 200;
/** How much of any reply is read; the rest is cancelled. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * POSTs the dispatch as JSON to the URL in `message.to`, signed, with the idempotency key so the
 * receiver can drop a redelivery. Only public addresses (or allowlisted ones) are connected to, checked
 * on the connection itself. Redirects are not followed: a POST must not silently become a GET, nor be
 * sent on to an address the check never saw.
 */
export class WebhookAdapter implements ProviderAdapter {
  readonly provider = 'webhook' as const;
  readonly channel = 'WEBHOOK' as const;
  private readonly dispatcher: Agent;

  constructor(private readonly config: WebhookConfig) {
    const policy = AddressPolicy.fromAllowlist(config.allowedHosts);
    this.dispatcher = createGuardedDispatcher(policy, config.resolve ? { resolve: config.resolve } : {});
  }

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, async (signal, timeoutMs) => {
      const url = this.endpoint(message.to);
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
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal,
          dispatcher: this.dispatcher,
        });
        const text = await readCapped(res.body, MAX_BODY_BYTES);
        if (res.ok) return { providerMessageId: res.headers.get('x-request-id') ?? ctx.idempotencyKey };
        if (res.status >= 300 && res.status < 400) {
          throw new ProviderError(
            this.provider,
            ErrorCodes.PROVIDER_REJECTED,
            `webhook ${url.host} answered a redirect (${res.status}); redirects are not followed`,
            false,
            { status: res.status },
          );
        }
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        throw ProviderError.fromStatus(
          this.provider,
          res.status,
          `webhook ${url.host} answered ${res.status}: ${text.slice(0, ERROR_SNIPPET_CHARS)}`,
          {
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          },
        );
      } catch (err) {
        const refused = findAddressRefusal(err);
        if (refused) {
          throw new ProviderError(
            this.provider,
            ErrorCodes.PROVIDER_REJECTED,
            `webhook address refused: ${refused.message}`,
            false,
            { cause: refused },
          );
        }
        throw fromTransportError(this.provider, err, timeoutMs);
      }
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
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

/** The body as text, reading at most `limit` bytes and cancelling the rest of the stream. */
async function readCapped(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    read += value.byteLength;
    if (read >= limit) {
      await reader.cancel().catch(() => undefined);
      return text + decoder.decode(value.subarray(0, value.byteLength - (read - limit)));
    }
    text += decoder.decode(value, { stream: true });
  }
}
