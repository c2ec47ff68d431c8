import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import type { Dispatch } from '@notify/schemas';
import { awsClientOptions, sendAwsCommand, type AwsConnection } from './aws-connection.js';
import type { ProviderAdapter, SendContext, SendResult } from './provider-adapter.js';
import { sendWithin } from './send-within.js';

export const SNS_SMS_TYPES = ['Transactional', 'Promotional'] as const;
export type SnsSmsType = (typeof SNS_SMS_TYPES)[number];

export interface SnsConfig extends AwsConnection {
  /** Transactional (the default) is delivered with priority; Promotional at the lowest cost. */
  smsType?: SnsSmsType;
  /** Alphanumeric sender id, where the destination country supports one. */
  senderId?: string;
  /** The most, in USD, one message may cost; SNS does not send a message that would cost more. */
  maxPrice?: string;
  /** Ceiling on any one call, whatever the SendContext asks for (ms). */
  timeoutMs?: number;
}

/** SMS through Amazon SNS (Publish to a phone number), using the official AWS SDK v3 client. */
export class SnsAdapter implements ProviderAdapter {
  readonly provider = 'sns' as const;
  readonly channel = 'SMS' as const;
  private readonly client: SNSClient;
  private readonly attributes: Record<string, MessageAttributeValue>;

  constructor(private readonly config: SnsConfig) {
    this.client = new SNSClient(awsClientOptions('sns', config));
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    this.attributes = {
      'AWS.SNS.SMS.SMSType': text(config.smsType ?? 'Transactional'),
      ...(config.senderId ? { 'AWS.SNS.SMS.SenderID': text(config.senderId) } : {}),
      ...(config.maxPrice
        ? { 'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: config.maxPrice } }
        : {}),
    };
  }

  async send(message: Dispatch, ctx: SendContext): Promise<SendResult> {
    return sendWithin(this, this.config.timeoutMs, message, ctx, (signal, timeoutMs) =>
      sendAwsCommand(
        this.provider,
        { signal, timeoutMs, ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}) },
        () => new PublishCommand({ PhoneNumber: message.to, Message: message.text, MessageAttributes: this.attributes }),
        (command, options) => this.client.send(command, options),
      ),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
