import { describe, expect, it } from 'vitest';
import { ValidationError, type FieldIssue } from '@notify/core';
import { MAX_RECIPIENTS, MAX_TOPICS, parseNotificationRequest, TenantMismatchError, type ParseContext } from './request-schema.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const ctx: ParseContext = { now: NOW, tenantId: 'acme', newIdempotencyKey: () => 'generated-key' };

const valid = { recipients: ['u1', 'u2'], templateId: 'welcome', category: 'onboarding' };

function issuesOf(input: unknown, context: ParseContext = ctx): FieldIssue[] {
  try {
    parseNotificationRequest(input, context);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('parseNotificationRequest', () => {
  it('normalizes a minimal REST body with defaults', () => {
    expect(parseNotificationRequest(valid, ctx)).toEqual({
      tenantId: 'acme',
      idempotencyKey: 'generated-key',
      recipients: ['u1', 'u2'],
      templateId: 'welcome',
      category: 'onboarding',
      channels: [],
      priority: 'NORMAL',
      data: {},
      scheduledFor: null,
      expiresAt: null,
      requestedAt: NOW,
      topics: [],
      digest: null,
    });
  });

  it('accepts a Kafka NotificationRequest as decoded from Avro', () => {
    const request = {
      tenantId: 'acme',
      idempotencyKey: 'order-42',
      recipients: ['u1'],
      templateId: 'receipt',
      category: 'billing',
      channels: ['EMAIL', 'PUSH'],
      priority: 'HIGH',
      data: { orderId: '42' },
      scheduledFor: null,
      expiresAt: NOW + 60_000,
      requestedAt: NOW - 5,
      topics: ['release-notes'],
      digest: { key: 'orders', windowMs: 600_000, dailyAt: null, maxItems: 20 },
    };
    expect(parseNotificationRequest(request, { now: NOW })).toEqual({
      ...request,
      channels: ['EMAIL', 'PUSH'],
    });
  });

  it('coerces numbers and booleans in data to strings', () => {
    const parsed = parseNotificationRequest(
      { ...valid, data: { n: 42, f: 1.5, yes: true, no: false, s: 'x' } },
      ctx,
    );
    expect(parsed.data).toEqual({ n: '42', f: '1.5', yes: 'true', no: 'false', s: 'x' });
  });

  it('parses ISO-8601 and epoch-millisecond instants', () => {
    const parsed = parseNotificationRequest(
      {
        ...valid,
        scheduledFor: '2030-01-02T00:00:00+02:00',
        expiresAt: String(NOW + 86_400_000),
        requestedAt: NOW - 1,
      },
      ctx,
    );
    expect(parsed.scheduledFor).toBe(Date.parse('2030-01-01T22:00:00Z'));
    expect(parsed.expiresAt).toBe(NOW + 86_400_000);
    expect(parsed.requestedAt).toBe(NOW - 1);
  });

  it('reports every failing field at once, with field-level paths', () => {
    const issues = issuesOf({
      recipients: ['u1', '', 'u1', 'x'.repeat(129), 7],
      templateId: '',
      category: 'c'.repeat(129),
      channels: ['EMAIL', 'FAX', 'EMAIL'],
      priority: 'URGENT',
      data: { ok: 'x', nested: { a: 1 }, list: [1], nothing: null },
      scheduledFor: 'tomorrow',
      expiresAt: -5,
      idempotencyKey: 'k'.repeat(256),
      colour: 'blue',
    });
    expect(issues).toEqual([
      { path: 'idempotencyKey', message: 'must be at most 255 characters' },
      { path: 'recipients[1]', message: 'must not be empty' },
      { path: 'recipients[2]', message: 'duplicates recipients[0]' },
      { path: 'recipients[3]', message: 'must be at most 128 characters' },
      { path: 'recipients[4]', message: 'must be a string' },
      { path: 'templateId', message: 'must not be empty' },
      { path: 'category', message: 'must be at most 128 characters' },
      { path: 'channels[1]', message: 'must be one of EMAIL, SMS, PUSH, WEBHOOK, IN_APP' },
      { path: 'channels[2]', message: 'duplicates channels[0]' },
      { path: 'priority', message: 'must be one of LOW, NORMAL, HIGH, CRITICAL' },
      { path: 'data.nested', message: 'must be a string, number or boolean (nested values are not allowed)' },
      { path: 'data.list', message: 'must be a string, number or boolean (nested values are not allowed)' },
      {
        path: 'data.nothing',
        message: 'must be a string, number or boolean (nested values are not allowed)',
      },
      {
        path: 'scheduledFor',
        message: 'must be an ISO-8601 date-time with a time zone, or epoch milliseconds',
      },
      { path: 'expiresAt', message: 'must be an ISO-8601 date-time with a time zone, or epoch milliseconds' },
      { path: 'colour', message: 'is not a known field' },
    ]);
  });

  it('names missing required fields', () => {
    expect(issuesOf({}, { now: NOW })).toEqual([
      { path: 'tenantId', message: 'is required' },
      { path: 'recipients', message: 'is required' },
      { path: 'templateId', message: 'is required' },
      { path: 'category', message: 'is required' },
    ]);
    expect(issuesOf(null)).toEqual([{ path: '', message: 'must be a JSON object' }]);
    expect(issuesOf([1])).toEqual([{ path: '', message: 'must be a JSON object' }]);
  });

  it('takes broadcast topics instead of, or besides, recipients', () => {
    const { recipients: _omitted, ...withoutRecipients } = valid;
    expect(parseNotificationRequest({ ...withoutRecipients, topics: ['release-notes'] }, ctx)).toMatchObject({
      recipients: [],
      topics: ['release-notes'],
    });
    expect(parseNotificationRequest({ ...valid, topics: ['a', 'b'] }, ctx).topics).toEqual(['a', 'b']);
    expect(issuesOf({ ...valid, recipients: [], topics: [] })).toEqual([
      { path: 'recipients', message: 'must name at least one recipient' },
    ]);
    expect(issuesOf({ ...valid, topics: ['a', 'a', ' '] })).toEqual([
      { path: 'topics[1]', message: 'duplicates topics[0]' },
      { path: 'topics[2]', message: 'must not be empty' },
    ]);
    const many = Array.from({ length: MAX_TOPICS + 1 }, (_, i) => `t${i}`);
    expect(issuesOf({ ...valid, topics: many })).toEqual([{ path: 'topics', message: `must name at most ${MAX_TOPICS} topics` }]);
  });

  it('takes a digest with exactly one window', () => {
    expect(parseNotificationRequest({ ...valid, digest: { key: 'comments:post-42', windowMs: 600_000 } }, ctx).digest).toEqual({
      key: 'comments:post-42',
      windowMs: 600_000,
      dailyAt: null,
      maxItems: null,
    });
    expect(parseNotificationRequest({ ...valid, digest: { key: 'daily', dailyAt: '09:00', maxItems: 50 } }, ctx).digest).toEqual({
      key: 'daily',
      windowMs: null,
      dailyAt: '09:00',
      maxItems: 50,
    });
    expect(issuesOf({ ...valid, digest: { key: 'k' } })).toEqual([{ path: 'digest', message: 'must name exactly one window: windowMs or dailyAt' }]);
    expect(issuesOf({ ...valid, digest: { key: 'k', windowMs: 60_000, dailyAt: '09:00' } })).toEqual([
      { path: 'digest', message: 'must name exactly one window: windowMs or dailyAt' },
    ]);
    expect(issuesOf({ ...valid, digest: { key: ' ', dailyAt: '9:00', windowMs: null, maxItems: 0, extra: 1 } })).toEqual([
      { path: 'digest.key', message: 'must not be empty' },
      { path: 'digest.dailyAt', message: 'must be a time of day, HH:mm' },
      { path: 'digest.maxItems', message: 'must be at least 1' },
      { path: 'digest.extra', message: 'is not a known field' },
    ]);
    expect(issuesOf({ ...valid, digest: { key: 'k', windowMs: 10 } })).toEqual([{ path: 'digest.windowMs', message: 'must be at least 1000' }]);
  });

  it('bounds the recipient list', () => {
    expect(issuesOf({ ...valid, recipients: [] })).toEqual([
      { path: 'recipients', message: 'must name at least one recipient' },
    ]);
    const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => `u${i}`);
    expect(issuesOf({ ...valid, recipients: many })).toEqual([
      { path: 'recipients', message: 'must name at most 1000 recipients' },
    ]);
    expect(parseNotificationRequest({ ...valid, recipients: many.slice(1) }, ctx).recipients).toHaveLength(
      MAX_RECIPIENTS,
    );
    expect(issuesOf({ ...valid, recipients: ['   '] })).toEqual([
      { path: 'recipients[0]', message: 'must not be empty' },
    ]);
  });

  it('accepts an expiresAt already past or before scheduledFor: the pipeline suppresses it as expired', () => {
    expect(parseNotificationRequest({ ...valid, expiresAt: NOW - 1 }, ctx).expiresAt).toBe(NOW - 1);
    const late = parseNotificationRequest({ ...valid, scheduledFor: NOW + 2_000, expiresAt: NOW + 1_000 }, ctx);
    expect([late.scheduledFor, late.expiresAt]).toEqual([NOW + 2_000, NOW + 1_000]);
    expect(parseNotificationRequest({ ...valid, scheduledFor: NOW - 10_000 }, ctx).scheduledFor).toBe(
      NOW - 10_000,
    );
  });

  it('reads epoch milliseconds given as a number or as digits, and ISO-8601 with any offset', () => {
    expect(parseNotificationRequest({ ...valid, scheduledFor: '1700000000000' }, ctx).scheduledFor).toBe(1_700_000_000_000);
    expect(parseNotificationRequest({ ...valid, scheduledFor: '2030-01-02T01:00:00.5+01:00' }, ctx).scheduledFor).toBe(
      Date.parse('2030-01-02T00:00:00.500Z'),
    );
  });

  it('rejects local date-times without a time zone and non-integer epochs', () => {
    for (const bad of ['2030-01-02T00:00:00', '2030-01-02', 1.5, -1, 'x']) {
      expect(issuesOf({ ...valid, scheduledFor: bad })).toEqual([
        {
          path: 'scheduledFor',
          message: 'must be an ISO-8601 date-time with a time zone, or epoch milliseconds',
        },
      ]);
    }
  });

  it('takes the tenant from the context and refuses a different one in the body as another tenant\'s', () => {
    expect(parseNotificationRequest({ ...valid, tenantId: 'acme' }, ctx).tenantId).toBe('acme');
    expect(issuesOf({ ...valid, tenantId: 'evil' })).toEqual([
      { path: 'tenantId', message: 'does not match the authenticated tenant' },
    ]);
    expect(() => parseNotificationRequest({ ...valid, tenantId: 'evil' }, ctx)).toThrow(TenantMismatchError);
    expect(() => parseNotificationRequest({ ...valid, templateId: '' }, ctx)).not.toThrow(TenantMismatchError);
  });

  it('keeps a given idempotency key and generates one when it is absent or empty', () => {
    expect(parseNotificationRequest({ ...valid, idempotencyKey: 'abc' }, ctx).idempotencyKey).toBe('abc');
    expect(parseNotificationRequest({ ...valid, idempotencyKey: '' }, ctx).idempotencyKey).toBe(
      'generated-key',
    );
    const random = parseNotificationRequest(valid, { now: NOW, tenantId: 'acme' }).idempotencyKey;
    expect(random).toMatch(/^[0-9a-f-]{36}$/);
  });
});
