import { MessageHeaders, MessageTags } from '@notify/core';
import { ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import { Client } from '@sendgrid/client';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { sdkTimeout } from './deadline.js';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { parseRetryAfter } from './retry-after.js';
import { sendWithin } from './send-within.js';
import { fromTransportError } from './transport-errors.js';

export interface SendGridConfig {
  apiKey: string;
  /** API origin; defaults to SendGrid's global endpoint. */
  baseUrl?: string;
  from: { email: string; name?: string };
  replyTo?: string;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
}

export const SENDGRID_DEFAULT_BASE_URL = 'https://api.sendgrid.com';
/** The SDK fixes its timeout per client, so one client is kept per distinct timeout (few in practice). */
const MAX_CACHED_CLIENTS = 8;

/** SendGrid's `ResponseError`: `code` is the HTTP status, `response` the parsed reply. */
interface SendGridResponseError {
  code: number;
  response: {
    headers?: Record<string, unknown>;
    body?: { errors?: Array<{ message?: string; field?: string | null }> };
  };
}

function isResponseError(err: unknown): err is SendGridResponseError {
  const e = err as Partial<SendGridResponseError> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.code === 'number' &&
    typeof e.response === 'object' &&
    e.response !== null
  );
}

/** Email through SendGrid's v3 Mail Send, using the official @sendgrid/mail SDK. */
export class SendGridAdapter implements ProviderAdapter {
  readonly provider = 'sendgrid' as const;
  readonly channel = 'EMAIL' as const;
  private readonly services = new Map<number, MailService>();

  constructor(private readonly config: SendGridConfig) {}

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, async (_signal, timeoutMs) => {
      const service = this.serviceFor(timeoutMs);
      try {
        const [response] = await service.send(this.toMail(message, ctx));
        const id = response.headers?.['x-message-id'];
        if (typeof id !== 'string' || id === '') {
          throw ProviderError.fromStatus(
            this.provider,
            502,
            `sendgrid answered ${response.statusCode} without X-Message-Id`,
          );
        }
        return { providerMessageId: id };
      } catch (err) {
        throw this.toProviderError(err, timeoutMs);
      }
    });
  }

  async close(): Promise<void> {
    this.services.clear();
  }

  private toMail(message: Dispatch, ctx: SendContext): MailDataRequired {
    const identity = {
      [MessageTags.notificationId]: message.notificationId,
      [MessageTags.tenantId]: message.tenantId,
      idempotency_key: ctx.idempotencyKey,
    };
    return {
      to: message.to,
      from: this.config.from,
      ...(this.config.replyTo ? { replyTo: this.config.replyTo } : {}),
      subject: message.subject ?? '',
      // The SDK puts the text/plain block before text/html, as the API requires.
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      ...(message.category ? { categories: [message.category] } : {}),
      customArgs: identity,
      headers: { [MessageHeaders.idempotencyKey]: ctx.idempotencyKey, [MessageHeaders.notificationId]: message.notificationId },
    };
  }

  private serviceFor(timeoutMs: number): MailService {
    let service = this.services.get(timeoutMs);
    if (service) return service;
    const client = new Client();
    client.setApiKey(this.config.apiKey);
    // setApiKey resets the base URL to SendGrid's own, so the override comes after it.
    client.setDefaultRequest('baseUrl', this.config.baseUrl ?? SENDGRID_DEFAULT_BASE_URL);
    service = new MailService();
    service.setClient(client);
    service.setTimeout(sdkTimeout(timeoutMs));
    if (this.services.size >= MAX_CACHED_CLIENTS)
      this.services.delete(this.services.keys().next().value as number);
    this.services.set(timeoutMs, service);
    return service;
  }

  private toProviderError(err: unknown, timeoutMs: number): ProviderError {
    if (err instanceof ProviderError) return err;
    if (isResponseError(err)) {
      const errors = err.response.body?.errors ?? [];
      const detail = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
      const retryAfter = err.response.headers?.['retry-after'];
      const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined);
      return ProviderError.fromStatus(
        this.provider,
        err.code,
        `sendgrid answered ${err.code}${detail ? `: ${detail}` : ''}`,
        {
          cause: err,
          details: { errors },
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        },
      );
    }
    return fromTransportError(this.provider, err, timeoutMs);
  }
}
