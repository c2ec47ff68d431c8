import { MessageHeaders, MessageTags, ValidationError } from '@notify/core';
import { z } from 'zod';
import { fieldIssues } from './field-issues.js';
import { boundedReason, boundedUrl, type BounceKind, type ProviderOutcome } from './provider-outcome.js';


const isoTimestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 timestamp');
const recipients = z.array(z.looseObject({ emailAddress: z.string().min(1) }));

/** The event objects whose fields the mapping reads; each is required by its event type. */
const DETAILS = {
  Bounce: 'bounce',
  Complaint: 'complaint',
  Delivery: 'delivery',
  Open: 'open',
  Click: 'click',
  Reject: 'reject',
  'Rendering Failure': 'failure',
} as const;

/**
 * One Amazon SES event as SNS carries it in `Message`: from a configuration set's event destination
 * (`eventType`) or an identity's feedback notifications (`notificationType`). Only what the mapping
 * reads is checked; every other field SES sends is kept.
 */
export const sesEventSchema = z
  .looseObject({
    eventType: z.string().min(1).optional(),
    notificationType: z.string().min(1).optional(),
    mail: z.looseObject({
      /** The MessageId SES answered the send with. */
      messageId: z.string().min(1),
      timestamp: isoTimestamp.optional(),
      tags: z.record(z.string(), z.array(z.string())).optional(),
      headers: z.array(z.looseObject({ name: z.string(), value: z.string() })).optional(),
    }),
    bounce: z
      .looseObject({
        bounceType: z.string().min(1),
        bounceSubType: z.string().optional(),
        bouncedRecipients: z.array(z.looseObject({ emailAddress: z.string().min(1), diagnosticCode: z.string().optional() })),
        timestamp: isoTimestamp.optional(),
      })
      .optional(),
    complaint: z
      .looseObject({ complainedRecipients: recipients, complaintFeedbackType: z.string().optional(), timestamp: isoTimestamp.optional() })
      .optional(),
    delivery: z.looseObject({ timestamp: isoTimestamp.optional(), smtpResponse: z.string().optional() }).optional(),
    open: z.looseObject({ timestamp: isoTimestamp.optional() }).optional(),
    click: z.looseObject({ timestamp: isoTimestamp.optional(), link: z.string().optional() }).optional(),
    reject: z.looseObject({ reason: z.string().optional() }).optional(),
    failure: z.looseObject({ errorMessage: z.string().optional(), templateName: z.string().optional() }).optional(),
  })
  .superRefine((e, ctx) => {
    const type = e.eventType ?? e.notificationType;
    if (type === undefined) {
      ctx.addIssue({ code: 'custom', path: ['eventType'], message: 'eventType or notificationType is required' });
      return;
    }
    const detail = DETAILS[type as keyof typeof DETAILS];
    if (detail !== undefined && e[detail] === undefined) ctx.addIssue({ code: 'custom', path: [detail], message: `required for a ${type} event` });
  });

export type SesEvent = z.infer<typeof sesEventSchema>;

/** The SES event in an SNS notification's Message; a ValidationError naming the fields under `Message` otherwise. */
export function parseSesEvent(message: string): SesEvent {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    throw new ValidationError([{ path: 'Message', message: 'is not JSON' }]);
  }
  const result = sesEventSchema.safeParse(body);
  if (!result.success) throw new ValidationError(fieldIssues(result.error).map((i) => ({ ...i, path: i.path ? `Message.${i.path}` : 'Message' })));
  return result.data;
}

const BOUNCE_KINDS: Readonly<Record<string, BounceKind>> = { Permanent: 'hard', Transient: 'soft' };

/**
 * Delivery → DELIVERED; Bounce → BOUNCED, `bounce` hard for a Permanent bounce (its recipients marked
 * undeliverable) and soft for a Transient one; Complaint → COMPLAINED (its recipients marked
 * undeliverable); Open → OPENED; Click → CLICKED with the link in `url`; Reject and Rendering Failure →
 * FAILED. Every other event (Send, DeliveryDelay, Subscription...) changes no status: null. An event
 * without a time of its own takes the mail's, else `fallbackTime` (the SNS message's).
 */
export function mapSesEvent(e: SesEvent, fallbackTime: number): ProviderOutcome | null {
  const type = (e.eventType ?? e.notificationType) as string;
  const attributes: Record<string, string> = { providerEvent: type };
  let status: ProviderOutcome['status'];
  let reason: string | null = null;
  let undeliverable: ProviderOutcome['undeliverable'];
  let at: string | undefined;
  if (type === 'Delivery' && e.delivery) {
    status = 'DELIVERED';
    at = e.delivery.timestamp;
  } else if (type === 'Bounce' && e.bounce) {
    const { bounceType, bounceSubType, bouncedRecipients } = e.bounce;
    status = 'BOUNCED';
    at = e.bounce.timestamp;
    const kind = BOUNCE_KINDS[bounceType];
    attributes.bounceType = bounceType;
    if (bounceSubType) attributes.bounceSubType = bounceSubType;
    if (kind) attributes.bounce = kind;
    reason = boundedReason(bouncedRecipients.find((r) => r.diagnosticCode)?.diagnosticCode ?? `${bounceType}${bounceSubType ? ` ${bounceSubType}` : ''}`);
    if (kind === 'hard' && bouncedRecipients.length > 0) undeliverable = { reason: 'hard_bounce', addresses: bouncedRecipients.map((r) => r.emailAddress) };
  } else if (type === 'Complaint' && e.complaint) {
    status = 'COMPLAINED';
    at = e.complaint.timestamp;
    if (e.complaint.complaintFeedbackType) attributes.complaintFeedbackType = e.complaint.complaintFeedbackType;
    const addresses = e.complaint.complainedRecipients.map((r) => r.emailAddress);
    if (addresses.length > 0) undeliverable = { reason: 'complaint', addresses };
  } else if (type === 'Open' && e.open) {
    status = 'OPENED';
    at = e.open.timestamp;
  } else if (type === 'Click' && e.click) {
    status = 'CLICKED';
    at = e.click.timestamp;
    if (e.click.link) attributes.url = boundedUrl(e.click.link);
  } else if (type === 'Reject' && e.reject) {
    status = 'FAILED';
    reason = boundedReason(`rejected: ${e.reject.reason ?? 'no reason given'}`);
  } else if (type === 'Rendering Failure' && e.failure) {
    status = 'FAILED';
    reason = boundedReason(`rendering failure: ${e.failure.errorMessage ?? 'no reason given'}`);
  } else {
    return null;
  }
  const time = at ?? e.mail.timestamp;
  return {
    provider: 'ses',
    status,
    occurredAt: time === undefined ? fallbackTime : Date.parse(time),
    providerMessageId: e.mail.messageId,
    notificationId: header(e, MessageHeaders.notificationId) ?? tag(e, MessageTags.notificationId),
    tenantId: tag(e, MessageTags.tenantId),
    reason,
    attributes,
    ...(undeliverable ? { undeliverable } : {}),
  };
}

function tag(e: SesEvent, name: string): string | null {
  return e.mail.tags?.[name]?.find((v) => v !== '') ?? null;
}

/** SES lists the headers only when the event destination is set to include them. */
function header(e: SesEvent, name: string): string | null {
  return e.mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase() && h.value !== '')?.value.trim() || null;
}
