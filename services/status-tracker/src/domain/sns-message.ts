import { ValidationError } from '@notify/core';
import { z } from 'zod';
import { fieldIssues } from './field-issues.js';

export const SNS_MESSAGE_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsMessageType = (typeof SNS_MESSAGE_TYPES)[number];

const isoTimestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 timestamp');

/**
 * An Amazon SNS message as posted to an HTTP(S) subscription (JSON, whatever its content type). The
 * signature covers some of these fields (see snsStringToSign); other fields SNS may add are kept.
 */
export const snsMessageSchema = z
  .looseObject({
    Type: z.enum(SNS_MESSAGE_TYPES),
    MessageId: z.string().min(1),
    TopicArn: z.string().min(1),
    Subject: z.string().nullish(),
    /** For a notification, what was published: here the SES event, as JSON text. */
    Message: z.string(),
    Timestamp: isoTimestamp,
    SignatureVersion: z.enum(['1', '2']).meta({ description: '1: SHA1withRSA, 2: SHA256withRSA' }),
    Signature: z.string().min(1),
    SigningCertURL: z.string().min(1),
    /** Subscription confirmations: the URL to GET to confirm, and the token it carries. */
    SubscribeURL: z.string().min(1).optional(),
    Token: z.string().min(1).optional(),
    UnsubscribeURL: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.Type === 'Notification') return;
    for (const field of ['SubscribeURL', 'Token'] as const) {
      if (m[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for ${m.Type}` });
    }
  });

export type SnsMessage = z.infer<typeof snsMessageSchema>;

/**
 * The posted body (already JSON-parsed) as an SNS message whose Type is the one the
 * x-amz-sns-message-type header names; a ValidationError naming each bad field otherwise.
 */
export function parseSnsMessage(body: unknown, typeHeader: string | undefined): SnsMessage {
  if (!SNS_MESSAGE_TYPES.includes(typeHeader as SnsMessageType)) {
    throw new ValidationError([{ path: 'x-amz-sns-message-type', message: `expected one of ${SNS_MESSAGE_TYPES.join(', ')}` }]);
  }
  const result = snsMessageSchema.safeParse(body);
  if (!result.success) throw new ValidationError(fieldIssues(result.error));
  if (result.data.Type !== typeHeader) {
    throw new ValidationError([{ path: 'Type', message: `is ${result.data.Type}, the x-amz-sns-message-type header says ${typeHeader}` }]);
  }
  return result.data;
}

/** The fields a signature covers, in this order, by message type (AWS's documented canonical form). */
const SIGNED_FIELDS: Record<SnsMessageType, ReadonlyArray<keyof SnsMessage>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** What SNS signed: each covered field present, as `name\nvalue\n`. */
export function snsStringToSign(message: SnsMessage): string {
  let out = '';
  for (const field of SIGNED_FIELDS[message.Type]) {
    const value = message[field];
    if (typeof value === 'string') out += `${field}\n${value}\n`;
  }
  return out;
}
