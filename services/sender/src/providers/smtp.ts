import { createHash } from 'node:crypto';
import { MessageHeaders } from '@notify/core';
import { ConfigError, ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import nodemailer, { type Transporter } from 'nodemailer';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { sendWithin } from './send-within.js';
import { fromTransportError } from './transport-errors.js';

export interface SmtpConfig {
  /** smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (TLS from the start). */
  url: string;
  from: { email: string; name?: string };
  /** Right-hand side of generated Message-IDs; defaults to the from address's domain. */
  messageIdDomain?: string;
  maxConnections?: number;
  /** Messages per pooled connection before it is recycled. */
  maxMessages?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
}

/**
 * A Message-ID derived from the idempotency key: a resend of the same delivery carries the same id,
 * so mail systems (and people) can tell it is a duplicate. The readable part helps when searching logs;
 * the hash keeps ids distinct when sanitising makes two keys look alike.
 */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  const readable = idempotencyKey.replace(/[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]/g, '.').slice(0, 64);
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16);
  return `<${readable}.${digest}@${domain}>`;
}

/**
 * SMTP replies carry no HTTP status; they are mapped onto the one the same failure would have over
 * HTTP so classification stays in ProviderError.fromStatus: 4xx (try later) → 503, authentication → 401,
 * size → 413, any other 5xx → 400.
 */
export function smtpReplyToHttpStatus(replyCode: number): number {
  if (replyCode >= 400 && replyCode < 500) return 503;
  if (replyCode === 530 || replyCode === 534 || replyCode === 535) return 401;
  if (replyCode === 552) return 413;
  return 400;
}

/** Email over SMTP through a pooled nodemailer transport. */
export class SmtpAdapter implements ProviderAdapter {
  readonly provider = 'smtp' as const;
  readonly channel = 'EMAIL' as const;
  private readonly transport: Transporter;
  private readonly messageIdDomain: string;

  constructor(private readonly config: SmtpConfig) {
    const domain = config.messageIdDomain ?? config.from.email.split('@')[1];
    if (!domain)
      throw new ConfigError([`smtp: from address ${config.from.email} has no domain; set messageIdDomain`]);
    this.messageIdDomain = domain;
    this.transport = nodemailer.createTransport({
      url: config.url,
      pool: true,
      maxConnections: config.maxConnections ?? 5,
      maxMessages: config.maxMessages ?? 100,
      connectionTimeout: config.connectionTimeoutMs ?? 10_000, // 10 s
      greetingTimeout: config.greetingTimeoutMs ?? 10_000, // 10 s
      socketTimeout: config.socketTimeoutMs ?? 30_000, // 30 s
    });
  }

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, async (_signal, timeoutMs) => {
      const messageId = messageIdFor(ctx.idempotencyKey, this.messageIdDomain);
      try {
        const info = await this.transport.sendMail({
          from: this.config.from.name
            ? { name: this.config.from.name, address: this.config.from.email }
            : this.config.from.email,
          to: message.to,
          subject: message.subject ?? '',
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
          messageId,
          headers: {
            [MessageHeaders.idempotencyKey]: ctx.idempotencyKey,
            [MessageHeaders.notificationId]: message.notificationId,
          },
        });
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.length > 0)
          throw ProviderError.fromStatus(this.provider, 400, `smtp server refused ${rejected.join(', ')}`);
        return { providerMessageId: info.messageId };
      } catch (err) {
        throw this.toProviderError(err, timeoutMs);
      }
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  private toProviderError(err: unknown, timeoutMs: number): ProviderError {
    if (err instanceof ProviderError) return err;
    const e = err as { responseCode?: unknown; code?: unknown; message?: string } | null;
    if (typeof e?.responseCode === 'number') {
      return ProviderError.fromStatus(
        this.provider,
        smtpReplyToHttpStatus(e.responseCode),
        `smtp server answered ${e.responseCode}: ${e.message ?? ''}`,
        {
          cause: err,
          details: { smtpReplyCode: e.responseCode, smtpErrorCode: e.code },
        },
      );
    }
    // Authentication refused before any reply code (e.g. no mechanism in common) will not pass by retrying.
    if (e?.code === 'EAUTH') {
      return ProviderError.fromStatus(this.provider, 401, `smtp authentication failed: ${e.message ?? ''}`, {
        cause: err,
      });
    }
    return fromTransportError(this.provider, err, timeoutMs);
  }
}
