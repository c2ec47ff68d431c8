import {
  SendEmailCommand,
  SESv2Client,
  type MessageTag,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import type { Dispatch } from '@notify/schemas';
import { awsClientOptions, sendAwsCommand, type AwsConnection } from './aws-connection.js';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { sendWithin } from './send-within.js';
import { MessageHeaders, MessageTags } from '@notify/core';

export interface SesConfig extends AwsConnection {
  /** A verified identity: an address, or `Name <address>`. */
  from: string;
  /** Configuration set whose event destinations publish deliveries, bounces, complaints, opens and clicks. */
  configurationSet?: string;
  replyTo?: string;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
}


const MAX_TAG_VALUE = 256;

/** Email through Amazon SES (API v2 SendEmail, simple content), using the official AWS SDK v3 client. */
export class SesAdapter implements ProviderAdapter {
  readonly provider = 'ses' as const;
  readonly channel = 'EMAIL' as const;
  private readonly client: SESv2Client;

  constructor(private readonly config: SesConfig) {
    this.client = new SESv2Client(awsClientOptions('ses', config));
  }

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, (signal, timeoutMs) =>
      sendAwsCommand(
        this.provider,
        { signal, timeoutMs, ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}) },
        () => new SendEmailCommand(this.toEmail(message, ctx)),
        (command, options) => this.client.send(command, options),
      ),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private toEmail(message: Dispatch, ctx: SendContext): SendEmailCommandInput {
    const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
    return {
      FromEmailAddress: this.config.from,
      Destination: { ToAddresses: [message.to] },
      ...(this.config.replyTo ? { ReplyToAddresses: [this.config.replyTo] } : {}),
      Content: {
        Simple: {
          Subject: utf8(message.subject ?? ''),
          Body: { Text: utf8(message.text), ...(message.html ? { Html: utf8(message.html) } : {}) },
          Headers: [
            { Name: MessageHeaders.idempotencyKey, Value: ctx.idempotencyKey },
            { Name: MessageHeaders.notificationId, Value: message.notificationId },
          ],
        },
      },
      // SES copies the tags into each event it publishes for the message.
      EmailTags: tags({
        [MessageTags.notificationId]: message.notificationId,
        [MessageTags.tenantId]: message.tenantId,
        [MessageTags.category]: message.category,
      }),
      ...(this.config.configurationSet ? { ConfigurationSetName: this.config.configurationSet } : {}),
    };
  }
}

/** Tag values may hold only ASCII letters, digits, `_` and `-`; anything else becomes `_`. */
function tags(values: Record<string, string | null | undefined>): MessageTag[] {
  return Object.entries(values).flatMap(([Name, value]) =>
    value ? [{ Name, Value: value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_TAG_VALUE) }] : [],
  );
}
