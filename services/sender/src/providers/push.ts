import { ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { collapseKeyOf } from './collapse-key.js';
import { INVALID_TOKEN_DETAILS } from './device-token.js';
import { parseRetryAfter } from './retry-after.js';
import { sendWithin } from './send-within.js';
import { fromTransportError } from './transport-errors.js';

export interface PushConfig {
  projectId: string;
  /** OAuth access token for FCM, or a function returning a current one (tokens expire hourly). */
  accessToken: string | (() => Promise<string>);
  /** API origin; defaults to https://fcm.googleapis.com. */
  baseUrl?: string;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
}

export const FCM_DEFAULT_BASE_URL = 'https://fcm.googleapis.com';

/** Google's error body: `{error: {code, message, status, details}}`. */
interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; errorCode?: string }>;
  };
}

/** Push notifications through FCM's HTTP v1 API, to the device token in `message.to`. */
export class PushAdapter implements ProviderAdapter {
  readonly provider = 'push' as const;
  readonly channel = 'PUSH' as const;
  private readonly sendUrl: string;

  constructor(private readonly config: PushConfig) {
    const base = (config.baseUrl ?? FCM_DEFAULT_BASE_URL).replace(/\/$/, '');
    this.sendUrl = `${base}/v1/projects/${encodeURIComponent(config.projectId)}/messages:send`;
  }

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, async (signal, timeoutMs) => {
      try {
        const token =
          typeof this.config.accessToken === 'string'
            ? this.config.accessToken
            : await this.config.accessToken();
        const res = await fetch(this.sendUrl, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
          },
          body: JSON.stringify({ message: this.toFcmMessage(message) }),
          signal,
        });
        const text = await res.text();
        if (res.ok) {
          const name = (parseJson(text) as { name?: unknown } | undefined)?.name;
          if (typeof name !== 'string')
            throw ProviderError.fromStatus(
              this.provider,
              502,
              `fcm answered ${res.status} without a message name`,
            );
          return { providerMessageId: name };
        }
        throw this.fromErrorReply(res.status, text, res.headers.get('retry-after'));
      } catch (err) {
        throw fromTransportError(this.provider, err, timeoutMs);
      }
    });
  }

  async close(): Promise<void> {
    // fetch keeps no state of its own here.
  }

  private toFcmMessage(message: Dispatch): Record<string, unknown> {
    const urgent = message.priority === 'HIGH' || message.priority === 'CRITICAL';
    const collapseKey = collapseKeyOf(message);
    return {
      token: message.to,
      notification: { ...(message.subject ? { title: message.subject } : {}), body: message.text },
      // The app can drop a notification it has already shown by this id.
      data: { ...message.data, notificationId: message.notificationId },
      android: { priority: urgent ? 'HIGH' : 'NORMAL', ...(collapseKey ? { collapse_key: collapseKey } : {}) },
    };
  }

  private fromErrorReply(status: number, text: string, retryAfter: string | null): ProviderError {
    const error = (parseJson(text) as GoogleErrorBody | undefined)?.error;
    const fcmErrorCode = error?.details?.find((d) =>
      d['@type']?.endsWith('google.firebase.fcm.v1.FcmError'),
    )?.errorCode;
    const retryAfterMs = parseRetryAfter(retryAfter);
    return ProviderError.fromStatus(
      this.provider,
      status,
      `fcm answered ${status} ${error?.status ?? ''}: ${error?.message ?? text.slice(0, 200)}`,
      {
        details: { googleStatus: error?.status, fcmErrorCode, ...(fcmErrorCode === 'UNREGISTERED' ? INVALID_TOKEN_DETAILS : {}) },
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
