import { DependencyUnavailableError, ErrorCodes, NotFoundError, ValidationError } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError } from '../domain/accept-notification.js';
import type { AcceptedResponse } from '../domain/idempotency.js';
import { MissingReferencesError } from '../domain/references.js';
import { acceptReply, failureReply } from './accept-reply.js';

const response: AcceptedResponse = {
  idempotencyKey: 'k1',
  acceptedAt: Date.UTC(2030, 0, 1),
  notifications: [
    { userId: 'u1', notificationId: 'n1' },
    { userId: 'u2', notificationId: 'n2' },
  ],
};
const acceptedBody = {
  status: 'ACCEPTED',
  notificationIds: ['n1', 'n2'],
  idempotencyKey: 'k1',
  acceptedAt: '2030-01-01T00:00:00.000Z',
};

describe('acceptReply', () => {
  it('answers 202 with the ids in recipient order, and the same body for a duplicate', () => {
    expect(
      acceptReply({ kind: 'accepted', response, notifications: [], statusEvents: [], expansion: null, claimId: 'c1' }),
    ).toEqual({
      status: 202,
      body: acceptedBody,
      headers: {},
    });
    expect(acceptReply({ kind: 'duplicate', response })).toEqual({
      status: 202,
      body: acceptedBody,
      headers: { 'idempotent-replayed': 'true' },
    });
  });

  it('names the broadcast topics of a request that named some', () => {
    const reply = acceptReply({ kind: 'duplicate', response: { ...response, topics: ['news', 'offers'] } });
    expect(reply.body).toEqual({ ...acceptedBody, topics: ['news', 'offers'] });
  });

  it('answers 409 with Retry-After while the key is in flight', () => {
    const reply = acceptReply({ kind: 'in-flight', tenantId: 't', idempotencyKey: 'k1' });
    expect(reply.status).toBe(409);
    expect(reply.headers['retry-after']).toBe('1');
    expect(reply.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_IN_FLIGHT' } });
  });

  it('answers 422 for a reused key, 400 with fields for invalid input, 404 naming what is missing', () => {
    expect(acceptReply({ kind: 'rejected', error: new IdempotencyKeyReusedError() })).toMatchObject({
      status: 422,
      body: { error: { code: 'IDEMPOTENCY_KEY_REUSED', fields: [{ path: 'idempotencyKey' }] } },
    });
    expect(
      acceptReply({
        kind: 'rejected',
        error: new ValidationError([{ path: 'recipients', message: 'is required' }]),
      }),
    ).toMatchObject({
      status: 400,
      body: {
        error: { code: ErrorCodes.VALIDATION, fields: [{ path: 'recipients', message: 'is required' }] },
      },
    });
    expect(
      acceptReply({
        kind: 'rejected',
        error: new MissingReferencesError({ templateId: 'w', userIds: ['ghost'] }),
      }),
    ).toEqual({
      status: 404,
      body: {
        error: {
          code: ErrorCodes.NOT_FOUND,
          message: 'template w; recipients ghost not found',
          missing: { templateId: 'w', userIds: ['ghost'] },
        },
      },
      headers: {},
    });
    expect(acceptReply({ kind: 'rejected', error: new NotFoundError('tenant', 't') }).status).toBe(404);
  });
});

describe('failureReply', () => {
  it('maps unavailable dependencies to 503 and hides other failures behind 500', () => {
    expect(failureReply(new DependencyUnavailableError('kafka')).status).toBe(503);
    expect(failureReply(new Error('secret detail'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
      headers: {},
    });
    expect(failureReply(new ValidationError([{ path: 'x', message: 'bad' }])).status).toBe(400);
  });

  it('answers a reference that does not exist with 404', () => {
    expect(failureReply(new NotFoundError('template', 'welcome'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'template welcome not found' } },
      headers: {},
    });
  });
});
