import { ValidationError, type FieldIssue } from '@notify/runtime';
import { keyText, type DlqEntry } from './dlq-entry.js';

/** Which dead letters a command looks at. Every set criterion must hold; an empty list means "any". */
export interface EntryFilter {
  /** Epoch millis, inclusive, on the dead-lettered-at time. */
  from?: number;
  /** Epoch millis, exclusive, on the dead-lettered-at time. */
  until?: number;
  codes: string[];
  keys: string[];
  /** Notification ids, read from the decoded value. */
  ids: string[];
}

export interface FilterOptions {
  from?: string;
  until?: string;
  code?: string[];
  key?: string[];
  id?: string[];
}

/** Builds a filter from command-line text; every bad option is reported at once. */
export function parseFilter(options: FilterOptions): EntryFilter {
  const issues: FieldIssue[] = [];
  const from = parseTime(options.from, 'from', issues);
  const until = parseTime(options.until, 'to', issues);
  if (from !== undefined && until !== undefined && from >= until) {
    issues.push({ path: 'to', message: 'must be later than --from' });
  }
  if (issues.length > 0)
    throw new ValidationError(issues, issues.map((i) => `--${i.path}: ${i.message}`).join('; '));
  return {
    ...(from === undefined ? {} : { from }),
    ...(until === undefined ? {} : { until }),
    codes: splitList(options.code),
    keys: splitList(options.key),
    ids: splitList(options.id),
  };
}

/** ISO 8601 (`2025-01-31T12:00:00Z`, `2025-01-31`) or epoch millis. */
export function parseTime(text: string | undefined, name: string, issues: FieldIssue[]): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isFinite(value)) {
    issues.push({ path: name, message: `"${text}" is not an ISO 8601 time or epoch milliseconds` });
    return undefined;
  }
  return value;
}

/** Repeated options and comma-separated values both add up. */
function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** True when matching needs the decoded value (an id filter). */
export function needsDecodedValue(filter: EntryFilter): boolean {
  return filter.ids.length > 0;
}

/**
 * Matches on what the headers and key say. The id criterion needs the decoded value: pass the notification id
 * found in it (undefined when the value could not be decoded, which never matches an id filter).
 */
export function matchesFilter(entry: DlqEntry, filter: EntryFilter, notificationId?: string): boolean {
  const at = entry.failure.deadLetteredAt;
  if (filter.from !== undefined && at < filter.from) return false;
  if (filter.until !== undefined && at >= filter.until) return false;
  if (filter.codes.length > 0 && !filter.codes.includes(entry.failure.code ?? '')) return false;
  if (filter.keys.length > 0 && !filter.keys.includes(keyText(entry) ?? '')) return false;
  if (filter.ids.length > 0 && (notificationId === undefined || !filter.ids.includes(notificationId)))
    return false;
  return true;
}

/** The notification id of a decoded pipeline value: `notification.notificationId` or `notificationId`. */
export function notificationIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { notificationId?: unknown; notification?: { notificationId?: unknown } };
  const nested = v.notification?.notificationId;
  if (typeof nested === 'string') return nested;
  return typeof v.notificationId === 'string' ? v.notificationId : undefined;
}
