import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { parseInboxQuery, parseUserId } from './inbox-query.js';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => i.path);
    throw err;
  }
  return [];
};

describe('parseInboxQuery', () => {
  it('defaults to every message, 50 at a time, from the newest', () => {
    expect(parseInboxQuery({})).toEqual({ unreadOnly: false, limit: 50, before: null });
  });

  it('reads unread, limit and before', () => {
    expect(parseInboxQuery({ unread: 'true', limit: '10', before: '2025-01-31T12:00:00.000Z' })).toEqual({
      unreadOnly: true,
      limit: 10,
      before: new Date('2025-01-31T12:00:00.000Z'),
    });
    expect(parseInboxQuery({ unread: 'false' }).unreadOnly).toBe(false);
  });

  it('names every bad parameter', () => {
    expect(issuesOf(() => parseInboxQuery({ unread: 'maybe', limit: '0', before: 'yesterday' }))).toEqual(['unread', 'limit', 'before']);
    expect(issuesOf(() => parseInboxQuery({ limit: '101' }))).toEqual(['limit']);
    expect(issuesOf(() => parseInboxQuery({ limit: '5.5' }))).toEqual(['limit']);
    expect(issuesOf(() => parseInboxQuery({ before: '2025-13-45T00:00:00Z' }))).toEqual(['before']);
  });
});

describe('parseUserId', () => {
  it('accepts ordinary ids and refuses empty, oversized or control-character ones', () => {
    expect(parseUserId('user-42')).toBe('user-42');
    expect(issuesOf(() => parseUserId(undefined))).toEqual(['userId']);
    expect(issuesOf(() => parseUserId(''))).toEqual(['userId']);
    expect(issuesOf(() => parseUserId('x'.repeat(257)))).toEqual(['userId']);
    expect(issuesOf(() => parseUserId('a\nb'))).toEqual(['userId']);
  });
});
