import { ValidationError } from '@notify/core';
import { z } from 'zod';
import { fieldIssues } from './field-issues.js';
import { boundedReason, type BounceKind, type ProviderOutcome } from './provider-outcome.js';

/** A Twilio Messaging status callback (form fields, as posted); other fields Twilio sends are kept. */
export const twilioStatusSchema = z.looseObject({
  MessageSid: z.string().min(1),
  MessageStatus: z.string().min(1),
  ErrorCode: z.string().optional(),
  AccountSid: z.string().optional(),
  /** The number the message went to. */
  To: z.string().optional(),
});

export type TwilioStatusCallback = z.infer<typeof twilioStatusSchema>;

export function parseTwilioStatus(body: unknown): TwilioStatusCallback {
  const result = twilioStatusSchema.safeParse(body ?? {});
  if (!result.success) throw new ValidationError(fieldIssues(result.error));
  return result.data;
}

/**
 * Twilio errors of an undelivered message that say the number itself cannot receive: 30005 unknown
 * destination handset, 30006 landline or unreachable carrier. Others (30003 handset off, 30007 carrier
 * filtering, 30008 unknown...) may pass.
 */
const HARD_BOUNCE_ERRORS: ReadonlySet<string> = new Set(['30005', '30006']);

/**
 * delivered → DELIVERED; undelivered (the carrier or handset refused it) → BOUNCED, hard or soft by
 * the error code (a hard one marks `To` undeliverable); failed (Twilio could not send it) → FAILED, both
 * with Twilio's error code. Intermediate statuses (queued, sending, sent, accepted, read...) change
 * nothing: null. Twilio's callback carries no time of its own, so the caller supplies `occurredAt`.
 */
export function mapTwilioStatus(callback: TwilioStatusCallback, occurredAt: number): ProviderOutcome | null {
  const providerStatus = callback.MessageStatus.toLowerCase();
  const errorCode = callback.ErrorCode?.trim() || undefined;
  const status = providerStatus === 'delivered' ? 'DELIVERED' : providerStatus === 'undelivered' ? 'BOUNCED' : providerStatus === 'failed' ? 'FAILED' : null;
  if (!status) return null;
  const attributes: Record<string, string> = { providerStatus, ...(errorCode ? { errorCode } : {}) };
  const to = callback.To?.trim();
  let undeliverable: ProviderOutcome['undeliverable'];
  if (status === 'BOUNCED') {
    const kind: BounceKind = errorCode !== undefined && HARD_BOUNCE_ERRORS.has(errorCode) ? 'hard' : 'soft';
    attributes.bounce = kind;
    if (kind === 'hard' && to) undeliverable = { reason: 'hard_bounce', addresses: [to] };
  }
  return {
    provider: 'twilio',
    status,
    occurredAt,
    providerMessageId: callback.MessageSid,
    notificationId: null,
    tenantId: null,
    reason: status === 'DELIVERED' ? null : boundedReason(`${providerStatus}${errorCode ? ` (Twilio error ${errorCode})` : ''}`),
    attributes,
    ...(undeliverable ? { undeliverable } : {}),
  };
}
