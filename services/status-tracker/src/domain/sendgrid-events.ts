import { ValidationError } from '@notify/core';
import { z } from 'zod';
import { fieldIssues } from './field-issues.js';
import { boundedReason, boundedUrl, type BounceKind, type ProviderOutcome } from './provider-outcome.js';

/**
 * One event of SendGrid's Event Webhook. Only `event` and `timestamp` are required: the rest depends on
 * the event type, and custom args (the sender sets `notification_id` and `tenant_id`) arrive as
 * top-level keys next to SendGrid's own.
 */
const sendGridEventSchema = z.looseObject({
  event: z.string().min(1),
  /** Unix seconds. */
  timestamp: z.number().int().nonnegative(),
  sg_message_id: z.unknown().optional(),
  sg_event_id: z.unknown().optional(),
  reason: z.unknown().optional(),
  status: z.unknown().optional(),
  type: z.unknown().optional(),
  bounce_classification: z.unknown().optional(),
  email: z.unknown().optional(),
  url: z.unknown().optional(),
  asm_group_id: z.unknown().optional(),
  sg_machine_open: z.unknown().optional(),
  notification_id: z.unknown().optional(),
  tenant_id: z.unknown().optional(),
});

const MAX_EVENTS_PER_POST = 10_000;
export const sendGridBatchSchema = z.array(sendGridEventSchema).max(MAX_EVENTS_PER_POST);

export type SendGridEvent = z.infer<typeof sendGridEventSchema>;

/** The posted body (already JSON-parsed) as events; a ValidationError naming each bad field otherwise. */
export function parseSendGridEvents(body: unknown): SendGridEvent[] {
  const result = sendGridBatchSchema.safeParse(body);
  if (!result.success) throw new ValidationError(fieldIssues(result.error));
  return result.data;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * SendGrid's sg_message_id is the X-Message-Id returned by Mail Send followed by a dot and a
 * per-recipient suffix ("<x-message-id>.filterdrecv-...").
 */
export function sendGridMessageId(sgMessageId: unknown): string | null {
  const id = text(sgMessageId);
  if (!id) return null;
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : id;
}

/** SendGrid's bounce `type`: `bounce` is a hard bounce, `blocked` a soft one. */
const BOUNCE_KINDS: Readonly<Record<string, BounceKind>> = { bounce: 'hard', blocked: 'soft' };

/**
 * delivered → DELIVERED; bounce and dropped → BOUNCED with SendGrid's reason (a bounce's `bounce`
 * attribute says hard or soft, and a hard one marks the address undeliverable); open → OPENED;
 * click → CLICKED with the link in `url`; spamreport → COMPLAINED (the address marked undeliverable);
 * unsubscribe and group_unsubscribe → UNSUBSCRIBED. Every other event (processed, deferred...) changes
 * no status: null.
 */
export function mapSendGridEvent(e: SendGridEvent): ProviderOutcome | null {
  const attributes: Record<string, string> = { providerEvent: e.event };
  const sgEventId = text(e.sg_event_id);
  if (sgEventId) attributes.sgEventId = sgEventId;
  const email = text(e.email);
  let status: ProviderOutcome['status'];
  let reason: string | null = null;
  let undeliverable: ProviderOutcome['undeliverable'];
  switch (e.event) {
    case 'delivered':
      status = 'DELIVERED';
      break;
    case 'bounce': {
      status = 'BOUNCED';
      const bounceType = text(e.type);
      const smtpStatus = text(e.status);
      const classification = text(e.bounce_classification);
      const kind = bounceType ? BOUNCE_KINDS[bounceType] : undefined;
      if (bounceType) attributes.bounceType = bounceType;
      if (kind) attributes.bounce = kind;
      if (smtpStatus) attributes.smtpStatus = smtpStatus;
      if (classification) attributes.bounceClassification = classification;
      reason = boundedReason(text(e.reason) ?? `${bounceType ?? 'bounce'}${smtpStatus ? ` ${smtpStatus}` : ''}`);
      if (kind === 'hard' && email) undeliverable = { reason: 'hard_bounce', addresses: [email] };
      break;
    }
    case 'dropped':
      status = 'BOUNCED';
      reason = boundedReason(`dropped: ${text(e.reason) ?? 'no reason given'}`);
      break;
    case 'open':
      status = 'OPENED';
      // Apple Mail Privacy Protection fetches every image: an open that says nothing about the reader.
      if (typeof e.sg_machine_open === 'boolean') attributes.machineOpen = String(e.sg_machine_open);
      break;
    case 'click': {
      status = 'CLICKED';
      const url = text(e.url);
      if (url) attributes.url = boundedUrl(url);
      break;
    }
    case 'spamreport':
      status = 'COMPLAINED';
      if (email) undeliverable = { reason: 'complaint', addresses: [email] };
      break;
    case 'unsubscribe':
    case 'group_unsubscribe': {
      status = 'UNSUBSCRIBED';
      const group = e.asm_group_id;
      if (typeof group === 'number' || (typeof group === 'string' && group !== '')) attributes.asmGroupId = String(group);
      break;
    }
    default:
      return null;
  }
  return {
    provider: 'sendgrid',
    status,
    occurredAt: e.timestamp * 1000,
    providerMessageId: sendGridMessageId(e.sg_message_id),
    notificationId: text(e.notification_id) ?? null,
    tenantId: text(e.tenant_id) ?? null,
    reason,
    attributes,
    ...(undeliverable ? { undeliverable } : {}),
  };
}
