import { ValidationError, type FieldIssue } from '@notify/core';
import { z } from 'zod';

export const DEFAULT_INBOX_LIMIT = 50;
export const MAX_INBOX_LIMIT = 100;
const MAX_ID_LENGTH = 256; // characters

export interface InboxQuery {
  unreadOnly: boolean;
  limit: number;
  /** Only messages created strictly before this instant (the previous page's last createdAt). */
  before: Date | null;
}

/** An id (user, notification) from a path or query: non-empty, bounded, printable. */
export const inboxIdSchema = z
  .string({ error: 'required' })
  .min(1, 'required')
  .max(MAX_ID_LENGTH, `at most ${MAX_ID_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex -- control characters are what the id may not hold
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

/** `?unread=true&limit=50&before=<ISO 8601>`, each parameter as the query string carries it. */
export const inboxQueryParameters = {
  unread: z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .optional()
    .meta({ description: 'Only unread messages' }),
  limit: z
    .string()
    .regex(/^(?:[1-9]|[1-9][0-9]|100)$/, `expected an integer from 1 to ${MAX_INBOX_LIMIT}`)
    .optional()
    .meta({
      description: `Messages per page, 1 to ${MAX_INBOX_LIMIT}; ${DEFAULT_INBOX_LIMIT} when left out`,
    }),
  before: z.iso
    .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2025-01-31T12:00:00.000Z' })
    .optional()
    .meta({ description: "Only messages created before this instant: the previous page's nextBefore" }),
};

const inboxQuerySchema = z.object(inboxQueryParameters);

export function parseId(value: unknown, path: string): string {
  const result = inboxIdSchema.safeParse(value);
  if (!result.success)
    throw new ValidationError([{ path, message: result.error.issues[0]?.message ?? 'invalid' }]);
  return result.data;
}

export function parseUserId(value: unknown): string {
  return parseId(value, 'userId');
}

const single = (v: unknown): unknown => (Array.isArray(v) ? v[v.length - 1] : v);

/** The inbox query; every bad parameter is named. */
export function parseInboxQuery(query: Record<string, unknown>): InboxQuery {
  const result = inboxQuerySchema.safeParse({
    unread: single(query.unread),
    limit: single(query.limit),
    before: single(query.before),
  });
  if (!result.success) {
    const issues: FieldIssue[] = result.error.issues.map((i) => ({
      path: i.path.join('.'),
      message: i.message,
    }));
    throw new ValidationError(issues);
  }
  const { unread, limit, before } = result.data;
  return {
    unreadOnly: unread === 'true' || unread === '1',
    limit: limit === undefined ? DEFAULT_INBOX_LIMIT : Number(limit),
    before: before === undefined ? null : new Date(before),
  };
}
