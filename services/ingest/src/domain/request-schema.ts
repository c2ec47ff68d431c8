import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ChannelValues, PriorityValues, type Channel, type DigestSpec, type Priority } from '@notify/schemas';
import { ValidationError, type FieldIssue } from '@notify/core';
import { formatFieldPath } from './field-path.js';

export const MAX_RECIPIENTS = 1000;
export const MAX_TOPICS = 20;
export const MAX_DIGEST_ITEMS = 1000;
export const MAX_DIGEST_WINDOW_MS = 31 * 24 * 3_600_000; // 31 days
export const MIN_DIGEST_WINDOW_MS = 1_000; // one second
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
  /** Broadcast topics whose subscribers are recipients too; empty for none. */
  topics: string[];
  /** The digest the notifications are collected into, or null to deliver each alone. */
  digest: DigestSpec | null;
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

/**
 * Holds something besides ASCII white space. Spelled out rather than `\S`, whose meaning differs between
 * regex engines, so that clients validating against the OpenAPI pattern agree with the server.
 */
export const NOT_BLANK = /[^ \t\n\r\f\v]/;

/**
 * A name that becomes a field name in stored documents (a preference category, a template variable):
 * no NUL, no dot, no leading `$`, which MongoDB gives meaning to or refuses.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what MongoDB refuses in a field name
export const FIELD_NAME = /^(?!\$)[^.\u0000]{1,128}$/;

/** A preference category: a field name that holds more than white space. */
export const categoryIdSchema = z
  .string({ error: requiredError('a string') })
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex -- NUL is exactly what MongoDB refuses in a field name
  .regex(/^(?=[\s\S]*[^ \t\n\r\f\v])(?!\$)[^.\u0000]*$/, 'must not be empty, start with $ or hold a dot');

const identifier = (max: number) =>
  z
    .string({ error: requiredError('a string') })
    .max(max, `must be at most ${max} characters`)
    .regex(NOT_BLANK, 'must not be empty');

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

const INSTANT_MESSAGE = 'must be an ISO-8601 date-time with a time zone, or epoch milliseconds';

/** Epoch milliseconds, as a number or a string of digits; or an ISO-8601 date-time with a zone. */
const instant = z
  .union(
    [
      z.int({ error: INSTANT_MESSAGE }).min(0, INSTANT_MESSAGE).max(Number.MAX_SAFE_INTEGER, INSTANT_MESSAGE),
      z.string({ error: INSTANT_MESSAGE }).regex(/^[0-9]{1,15}$/, INSTANT_MESSAGE),
      z.iso.datetime({ offset: true, error: INSTANT_MESSAGE }),
    ],
    { error: INSTANT_MESSAGE },
  )
  .transform((value) => (typeof value === 'number' ? value : /^[0-9]+$/.test(value) ? Number(value) : Date.parse(value)));

const dataValue = z
  .union([z.string(), z.number().refine(Number.isFinite), z.boolean()], {
    error: 'must be a string, number or boolean (nested values are not allowed)',
  })
  .transform((v) => String(v));

const DIGEST_DAILY_AT = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

const digestSchema = z
  .object(
    {
      key: identifier(MAX_IDEMPOTENCY_KEY_LENGTH),
      windowMs: z
        .int({ error: 'must be a whole number of milliseconds' })
        .min(MIN_DIGEST_WINDOW_MS, `must be at least ${MIN_DIGEST_WINDOW_MS}`)
        .max(MAX_DIGEST_WINDOW_MS, `must be at most ${MAX_DIGEST_WINDOW_MS} (31 days)`)
        .nullish(),
      dailyAt: z.string({ error: 'must be a string' }).regex(DIGEST_DAILY_AT, 'must be a time of day, HH:mm').nullish(),
      maxItems: z
        .int({ error: 'must be a whole number' })
        .min(1, 'must be at least 1')
        .max(MAX_DIGEST_ITEMS, `must be at most ${MAX_DIGEST_ITEMS}`)
        .nullish(),
    },
    { error: 'must be an object with a key and a window (windowMs or dailyAt)' },
  )
  .meta({
    // For the JSON Schema: no other fields, and exactly one window (digestIssues checks both here).
    additionalProperties: false,
    oneOf: [
      { required: ['windowMs'], properties: { windowMs: { not: { type: 'null' } } } },
      { required: ['dailyAt'], properties: { dailyAt: { not: { type: 'null' } } } },
    ],
  })
  .nullish();
const DIGEST_FIELDS = ['key', 'windowMs', 'dailyAt', 'maxItems'];

const requestShape = {
  tenantId: identifier(MAX_ID_LENGTH).optional(),
  idempotencyKey: z
    .string({ error: 'must be a string' })
    .max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
    .nullish(),
  recipients: z
    .array(identifier(MAX_ID_LENGTH), { error: 'must be an array of user ids' })
    .max(MAX_RECIPIENTS, `must name at most ${MAX_RECIPIENTS} recipients`)
    .default([]),
  templateId: identifier(MAX_ID_LENGTH),
  category: categoryIdSchema,
  channels: z
    .array(z.enum(ChannelValues, { error: `must be one of ${ChannelValues.join(', ')}` }), {
      error: 'must be an array of channels',
    })
    .default([]),
  priority: z
    .enum(PriorityValues, { error: `must be one of ${PriorityValues.join(', ')}` })
    .default('NORMAL'),
  data: z
    .record(z.string().regex(FIELD_NAME, 'must not be empty, start with $ or hold a dot'), dataValue, {
      error: 'must be an object of string, number or boolean values',
    })
    .default({}),
  scheduledFor: instant.nullish(),
  expiresAt: instant.nullish(),
  requestedAt: instant.nullish(),
  topics: z
    .array(identifier(MAX_ID_LENGTH), { error: 'must be an array of topic ids' })
    .max(MAX_TOPICS, `must name at most ${MAX_TOPICS} topics`)
    .default([]),
  digest: digestSchema,
};
const FIELDS = Object.keys(requestShape);

// Unknown fields are found by hand rather than with z.strictObject: with it, zod 4.6 sometimes drops
// other fields' issues from the same parse.
const requestSchema = z.object(requestShape, { error: 'must be a JSON object' });

/**
 * The request as its JSON Schema documents it: the same fields and rules, unknown fields refused, and
 * (the one rule across fields a schema can state) recipients or topics to notify.
 */
export const notificationRequestSchema = z
  .strictObject({
    ...requestShape,
    recipients: requestShape.recipients.meta({ uniqueItems: true }),
    channels: requestShape.channels.meta({ uniqueItems: true }),
    topics: requestShape.topics.meta({ uniqueItems: true }),
  })
  .meta({
    description: 'Names at least one recipient or one topic.',
    anyOf: [
      { required: ['recipients'], properties: { recipients: { minItems: 1 } } },
      { required: ['topics'], properties: { topics: { minItems: 1 } } },
    ],
  });

/** A tenantId in the body that is not the authenticated caller's: the caller may not act for it. */
export class TenantMismatchError extends ValidationError {
  constructor(issues: FieldIssue[]) {
    super(issues);
    this.name = 'TenantMismatchError';
  }
}

const TENANT_MISMATCH = 'does not match the authenticated tenant';

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
    ...duplicateIssues('topics', input.topics),
    ...digestIssues(input.digest),
  ];
  if (isEmptyList(input.recipients) && isEmptyList(input.topics)) {
    // Without topics to broadcast to, a request needs recipients of its own.
    issues.push({ path: 'recipients', message: input.recipients === undefined ? 'is required' : 'must name at least one recipient' });
  }

  const bodyTenant = input.tenantId;
  if (context.tenantId === undefined && bodyTenant === undefined) {
    issues.push({ path: 'tenantId', message: 'is required' });
  } else if (
    context.tenantId !== undefined &&
    typeof bodyTenant === 'string' &&
    bodyTenant !== context.tenantId
  ) {
    issues.push({ path: 'tenantId', message: TENANT_MISMATCH });
  }

  return issues;
}

function isEmptyList(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** Unknown digest fields, and a window that is not exactly one of fixed (windowMs) or scheduled (dailyAt). */
function digestIssues(digest: unknown): FieldIssue[] {
  if (!isPlainObject(digest)) return [];
  const issues = Object.keys(digest)
    .filter((key) => !DIGEST_FIELDS.includes(key))
    .map((key) => ({ path: formatFieldPath(['digest', key]), message: 'is not a known field' }));
  const fixed = digest.windowMs !== undefined && digest.windowMs !== null;
  const daily = digest.dailyAt !== undefined && digest.dailyAt !== null;
  if (fixed === daily) issues.unshift({ path: 'digest', message: 'must name exactly one window: windowMs or dailyAt' });
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
  if (issues.some((i) => i.path === 'tenantId' && i.message === TENANT_MISMATCH)) throw new TenantMismatchError(sortByField(issues));
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
    topics: body.topics,
    digest: body.digest
      ? { key: body.digest.key, windowMs: body.digest.windowMs ?? null, dailyAt: body.digest.dailyAt ?? null, maxItems: body.digest.maxItems ?? null }
      : null,
  };
}
