import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ChannelValues, PriorityValues, type Channel, type Priority } from '@notify/schemas';
import { ValidationError, type FieldIssue } from '@notify/runtime';
import { formatFieldPath } from './field-path.js';

export const MAX_RECIPIENTS = 1000;
export const MAX_ID_LENGTH = 128;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A request that passed validation, with every default applied and every instant in epoch millis. */
export interface NormalizedRequest {
  tenantId: string;
  idempotencyKey: string;
  recipients: string[];
  templateId: string;
  category: string;
  /** Empty means every channel the template supports. */
  channels: Channel[];
  priority: Priority;
  data: Record<string, string>;
  scheduledFor: number | null;
  expiresAt: number | null;
  requestedAt: number;
}

export interface ParseContext {
  /** Current time, epoch millis. */
  now: number;
  /** The authenticated tenant (REST); when set, a tenantId in the body must match it. */
  tenantId?: string;
  /** Key for a request that brings none, e.g. derived from the Kafka offset; random by default. */
  newIdempotencyKey?: () => string;
}

const requiredError = (expected: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${expected}`;

const identifier = (max: number) =>
  z
    .string({ error: requiredError('a string') })
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

/** Issues for repeated values, reported on every repeat; values that are not strings are left to the schema. */
function duplicateIssues(field: string, values: unknown): FieldIssue[] {
  if (!Array.isArray(values)) return [];
  const firstIndex = new Map<string, number>();
  const issues: FieldIssue[] = [];
  values.forEach((value, i) => {
    if (typeof value !== 'string') return;
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, i);
    else issues.push({ path: formatFieldPath([field, i]), message: `duplicates ${field}[${first}]` });
  });
  return issues;
}

const ISO_DATE_TIME = z.iso.datetime({ offset: true });
const INSTANT_MESSAGE = 'must be an ISO-8601 date-time with a time zone, or epoch milliseconds';

function toEpochMillis(value: number | string): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (/^\d{1,15}$/.test(value)) return Number(value);
  return ISO_DATE_TIME.safeParse(value).success ? Date.parse(value) : null;
}

const instant = z.union([z.number(), z.string()], { error: INSTANT_MESSAGE }).transform((value, ctx) => {
  const millis = toEpochMillis(value);
  if (millis === null) {
    ctx.addIssue({ code: 'custom', message: INSTANT_MESSAGE });
    return z.NEVER;
  }
  return millis;
});

const dataValue = z
  .union([z.string(), z.number().refine(Number.isFinite), z.boolean()], {
    error: 'must be a string, number or boolean (nested values are not allowed)',
  })
  .transform((v) => String(v));

const requestShape = {
  tenantId: identifier(MAX_ID_LENGTH).optional(),
  idempotencyKey: z
    .string({ error: 'must be a string' })
    .max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
    .nullish(),
  recipients: z
    .array(identifier(MAX_ID_LENGTH), { error: requiredError('an array of user ids') })
    .min(1, 'must name at least one recipient')
    .max(MAX_RECIPIENTS, `must name at most ${MAX_RECIPIENTS} recipients`),
  templateId: identifier(MAX_ID_LENGTH),
  category: identifier(MAX_ID_LENGTH),
  channels: z
    .array(z.enum(ChannelValues, { error: `must be one of ${ChannelValues.join(', ')}` }), {
      error: 'must be an array of channels',
    })
    .default([]),
  priority: z
    .enum(PriorityValues, { error: `must be one of ${PriorityValues.join(', ')}` })
    .default('NORMAL'),
  data: z
    .record(z.string(), dataValue, { error: 'must be an object of string, number or boolean values' })
    .default({}),
  scheduledFor: instant.nullish(),
  expiresAt: instant.nullish(),
  requestedAt: instant.nullish(),
};
const FIELDS = Object.keys(requestShape);

// Unknown fields are found by hand rather than with z.strictObject: with it, zod 4.6 sometimes drops
// other fields' issues from the same parse.
const requestSchema = z.object(requestShape, { error: 'must be a JSON object' });

const instantsSchema = z.object({ scheduledFor: instant.nullish(), expiresAt: instant.nullish() });

function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => ({ path: formatFieldPath(issue.path), message: issue.message }));
}

function isPlainObject(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** Checks beyond single fields, run whatever else failed so that every problem is reported at once. */
function crossFieldIssues(input: Record<string, unknown>, context: ParseContext): FieldIssue[] {
  const issues: FieldIssue[] = [
    ...Object.keys(input)
      .filter((key) => !FIELDS.includes(key))
      .map((key) => ({ path: formatFieldPath([key]), message: 'is not a known field' })),
    ...duplicateIssues('recipients', input.recipients),
    ...duplicateIssues('channels', input.channels),
  ];

  const bodyTenant = input.tenantId;
  if (context.tenantId === undefined && bodyTenant === undefined) {
    issues.push({ path: 'tenantId', message: 'is required' });
  } else if (
    context.tenantId !== undefined &&
    typeof bodyTenant === 'string' &&
    bodyTenant !== context.tenantId
  ) {
    issues.push({ path: 'tenantId', message: 'does not match the authenticated tenant' });
  }

  return [...issues, ...instantOrderIssues(input, context.now)];
}

function instantOrderIssues(input: Record<string, unknown>, now: number): FieldIssue[] {
  const parsed = instantsSchema.safeParse(input);
  if (!parsed.success) return [];
  const { scheduledFor, expiresAt } = parsed.data;
  if (expiresAt == null) return [];
  const issues: FieldIssue[] = [];
  if (expiresAt <= now) issues.push({ path: 'expiresAt', message: 'must be in the future' });
  if (scheduledFor != null && expiresAt <= scheduledFor)
    issues.push({ path: 'expiresAt', message: 'must be after scheduledFor' });
  return issues;
}

const fieldRank = (path: string): number => {
  const rank = FIELDS.findIndex((f) => path === f || path.startsWith(`${f}[`) || path.startsWith(`${f}.`));
  return rank === -1 ? FIELDS.length : rank;
};
const elementIndex = (path: string): number => Number(/^\w+\[(\d+)\]/.exec(path)?.[1] ?? -1);

/** In field order, then element order, then the order found. */
function sortByField(issues: FieldIssue[]): FieldIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort(
      (a, b) =>
        fieldRank(a.issue.path) - fieldRank(b.issue.path) ||
        elementIndex(a.issue.path) - elementIndex(b.issue.path) ||
        a.i - b.i,
    )
    .map((x) => x.issue);
}

/**
 * Validates a REST body or a Kafka NotificationRequest and normalizes it. Throws a ValidationError
 * listing every failing field.
 */
export function parseNotificationRequest(input: unknown, context: ParseContext): NormalizedRequest {
  const result = requestSchema.safeParse(input);
  const issues = [
    ...(result.success ? [] : toFieldIssues(result.error.issues)),
    ...(isPlainObject(input) ? crossFieldIssues(input, context) : []),
  ];
  if (!result.success || issues.length > 0) throw new ValidationError(sortByField(issues));
  const body = result.data;
  return {
    tenantId: context.tenantId ?? (body.tenantId as string),
    idempotencyKey: body.idempotencyKey || (context.newIdempotencyKey ?? randomUUID)(),
    recipients: body.recipients,
    templateId: body.templateId,
    category: body.category,
    channels: body.channels,
    priority: body.priority,
    data: body.data,
    scheduledFor: body.scheduledFor ?? null,
    expiresAt: body.expiresAt ?? null,
    requestedAt: body.requestedAt ?? context.now,
  };
}
