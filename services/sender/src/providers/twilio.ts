import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfigError, ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import twilio from 'twilio';
import { sdkTimeout } from './deadline.js';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { parseRetryAfter } from './retry-after.js';
import { sendWithin } from './send-within.js';
import { fromTransportError } from './transport-errors.js';

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** API origin; defaults to https://api.twilio.com. Requests keep their path and go to this origin. */
  baseUrl?: string;
  /** Sender number or alphanumeric id; or use a Messaging Service. One of the two is required. */
  from?: string;
  messagingServiceSid?: string;
  /** Where Twilio posts delivery status changes. */
  statusCallbackUrl?: string;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
}

type TwilioRequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/** What one send hands to the HTTP client and gets back from it, kept apart from concurrent sends. */
interface CallScope {
  timeoutMs: number;
  traceparent?: string;
  responseHeaders?: Record<string, unknown>;
}

/**
 * The SDK's own RequestClient, sending every request to `baseUrl` instead of Twilio's hosts, with the
 * per-call timeout and trace header, and keeping the response headers (the SDK's RestException drops
 * them, and Retry-After lives there).
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: URL,
    private readonly scopes: AsyncLocalStorage<CallScope>,
  ) {
    super({ keepAlive: true });
  }

  override async request<TData>(opts: TwilioRequestOptions & { data?: TData }) {
    const scope = this.scopes.getStore();
    const target = new URL(opts.uri);
    const rewritten = new URL(
      this.baseUrl.pathname.replace(/\/$/, '') + target.pathname + target.search,
      this.baseUrl.origin,
    );
    const headers = { ...opts.headers, ...(scope?.traceparent ? { traceparent: scope.traceparent } : {}) };
    const response = await super.request<TData>({
      ...opts,
      uri: rewritten.href,
      headers,
      ...(scope ? { timeout: sdkTimeout(scope.timeoutMs) } : {}),
    });
    if (scope) scope.responseHeaders = response.headers as Record<string, unknown>;
    return response;
  }
}

/** SMS through Twilio's Programmable Messaging, using the official `twilio` SDK. */
export class TwilioAdapter implements ProviderAdapter {
  readonly provider = 'twilio' as const;
  readonly channel = 'SMS' as const;
  private readonly client: ReturnType<typeof twilio>;
  private readonly scopes = new AsyncLocalStorage<CallScope>();

  constructor(private readonly config: TwilioConfig) {
    if (!config.from && !config.messagingServiceSid)
      throw new ConfigError(['twilio: set from or messagingServiceSid']);
    const httpClient = new BaseUrlRequestClient(
      new URL(config.baseUrl ?? 'https://api.twilio.com'),
      this.scopes,
    );
    this.client = twilio(config.accountSid, config.authToken, { httpClient, autoRetry: false });
  }

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, async (_signal, timeoutMs) => {
      const scope: CallScope = { timeoutMs, ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}) };
      try {
        const created = await this.scopes.run(scope, () =>
          this.client.messages.create({
            to: message.to,
            body: message.text,
            ...(this.config.messagingServiceSid
              ? { messagingServiceSid: this.config.messagingServiceSid }
              : { from: this.config.from as string }),
            ...(this.config.statusCallbackUrl ? { statusCallback: this.config.statusCallbackUrl } : {}),
          }),
        );
        return { providerMessageId: created.sid };
      } catch (err) {
        throw this.toProviderError(err, timeoutMs, scope);
      }
    });
  }

  async close(): Promise<void> {
    // The SDK's agent keeps idle sockets only; nothing else to release.
  }

  private toProviderError(err: unknown, timeoutMs: number, scope: CallScope): ProviderError {
    if (err instanceof ProviderError) return err;
    const status = httpStatusOf(err);
    if (status !== undefined) {
      const e = err as { code?: unknown; message?: string; moreInfo?: unknown };
      const retryAfter = scope.responseHeaders?.['retry-after'];
      const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined);
      return ProviderError.fromStatus(
        this.provider,
        status,
        `twilio answered ${status} (code ${String(e.code)}): ${e.message ?? ''}`,
        {
          cause: err,
          details: { twilioCode: e.code, moreInfo: e.moreInfo },
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        },
      );
    }
    return fromTransportError(this.provider, err, timeoutMs);
  }
}

/**
 * The HTTP status of an SDK error: RestException (legacy error bodies) and TwilioServiceException
 * (RFC 9457 bodies) both carry it as `status`; transport errors carry none.
 */
function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof twilio.RestException) return err.status;
  const status = (err as { status?: unknown } | null)?.status;
  const fromSdk = err instanceof Error && (err as { title?: unknown }).title !== undefined;
  return fromSdk && typeof status === 'number' && status >= 400 && status <= 599 ? status : undefined;
}
