import { ValidationError, type FieldIssue } from '@notify/runtime';

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
export function parseId(value: unknown, path: string): string {
  const issue = idIssue(value, path);
  if (issue) throw new ValidationError([issue]);
  return value as string;
}

export function parseUserId(value: unknown): string {
  return parseId(value, 'userId');
}

function idIssue(value: unknown, path: string): FieldIssue | null {
  if (typeof value !== 'string' || value.length === 0) return { path, message: 'required' };
  if (value.length > MAX_ID_LENGTH) return { path, message: `at most ${MAX_ID_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return { path, message: 'must not contain control characters' };
  return null;
}

const single = (v: unknown): unknown => (Array.isArray(v) ? v[v.length - 1] : v);

/** `?unread=true&limit=50&before=<ISO 8601>`; every bad parameter is named. */
export function parseInboxQuery(query: Record<string, unknown>): InboxQuery {
  const issues: FieldIssue[] = [];
  const unread = single(query.unread);
  const limit = single(query.limit);
  const before = single(query.before);

  let unreadOnly = false;
  if (unread !== undefined) {
    if (unread === 'true' || unread === '1') unreadOnly = true;
    else if (unread !== 'false' && unread !== '0') issues.push({ path: 'unread', message: 'expected true or false' });
  }

  let n = DEFAULT_INBOX_LIMIT;
  if (limit !== undefined) {
    n = typeof limit === 'string' && /^\d+$/.test(limit) ? Number(limit) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_INBOX_LIMIT) issues.push({ path: 'limit', message: `expected an integer from 1 to ${MAX_INBOX_LIMIT}` });
  }

  let beforeDate: Date | null = null;
  if (before !== undefined) {
    beforeDate = typeof before === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(before) ? new Date(before) : new Date(NaN);
    if (Number.isNaN(beforeDate.getTime())) issues.push({ path: 'before', message: 'expected an ISO 8601 date-time, e.g. 2025-01-31T12:00:00.000Z' });
  }

  if (issues.length > 0) throw new ValidationError(issues);
  return { unreadOnly, limit: n, before: beforeDate };
}
