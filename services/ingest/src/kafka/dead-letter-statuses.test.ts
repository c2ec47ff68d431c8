import { Headers, TransientError, ErrorCodes, ValidationError } from '@notify/runtime';
import { Topics, type NotificationRequest } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError } from '../domain/accept-notification.js';
import { MissingReferencesError } from '../domain/references.js';
import { notificationId } from '../domain/notification-id.js';
import { deadLetterStatuses } from './dead-letter-statuses.js';

const NOW = 1_800_000_000_000;
const ORIGIN = `${Topics.requests.name}/2/77`;
const request: NotificationRequest = {
  tenantId: 'acme',
  idempotencyKey: 'order-9',
  recipients: ['u1', 'ghost'],
  templateId: 'welcome',
  category: 'orders',
  channels: [],
  priority: 'HIGH',
  data: {},
  scheduledFor: null,
  expiresAt: null,
  requestedAt: 1_700_000_000_000,
  topics: [],
  digest: null,
};

describe('deadLetterStatuses', () => {
  it('reports DEAD_LETTERED for every recipient of a request naming unknown recipients or templates', () => {
    const failure = new MissingReferencesError({ userIds: ['ghost'] });
    const outputs = deadLetterStatuses(request, failure, ORIGIN, NOW);
    expect(outputs.map((o) => [o.topic.name, o.key])).toEqual([
      [Topics.status.name, notificationId('acme', 'order-9', 'u1')],
      [Topics.status.name, notificationId('acme', 'order-9', 'ghost')],
    ]);
    expect(outputs[0]!.value).toMatchObject({
      tenantId: 'acme',
      userId: 'u1',
      status: 'DEAD_LETTERED',
      stage: 'ingest',
      occurredAt: NOW,
      reason: 'NOT_FOUND: recipients ghost not found',
    });
    expect(outputs[0]!.headers).toEqual({ [Headers.REQUESTED_AT]: '1700000000000' });
  });

  it('derives the ids of a request without a key from its origin', () => {
    const outputs = deadLetterStatuses(
      { ...request, idempotencyKey: '' },
      new MissingReferencesError({ templateId: 'welcome', userIds: [] }),
      ORIGIN,
      NOW,
    );
    expect(outputs.map((o) => o.key)).toEqual([
      notificationId('acme', ORIGIN, 'u1'),
      notificationId('acme', ORIGIN, 'ghost'),
    ]);
  });

  it('reports nothing for an unknown tenant, an invalid request, a reused key or an exhausted retry', () => {
    expect(
      deadLetterStatuses(request, new MissingReferencesError({ tenantId: 'acme', userIds: [] }), ORIGIN, NOW),
    ).toEqual([]);
    expect(
      deadLetterStatuses(request, new ValidationError([{ path: 'recipients', message: 'bad' }]), ORIGIN, NOW),
    ).toEqual([]);
    expect(deadLetterStatuses(request, new IdempotencyKeyReusedError(), ORIGIN, NOW)).toEqual([]);
    expect(
      deadLetterStatuses(request, new TransientError(ErrorCodes.INTERNAL, 'in flight'), ORIGIN, NOW),
    ).toEqual([]);
  });
});
