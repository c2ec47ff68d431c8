import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '@notify/core';
import { IdempotencyKeyReusedError, acceptNotification } from './accept-notification.js';
import { InMemoryWorld, NOW } from './in-memory-world.fixture.js';
import { notificationId } from './notification-id.js';
import { MissingReferencesError } from './references.js';

const body = {
  recipients: ['u1', 'u2'],
  templateId: 'welcome',
  category: 'onboarding',
  idempotencyKey: 'signup-1',
};

describe('acceptNotification', () => {
  it('accepts a request: one notification and one ACCEPTED event per recipient', async () => {
    const world = new InMemoryWorld();
    const outcome = await acceptNotification(world.ports(), { body, source: 'REST', tenantId: 'acme' });
    if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${outcome.kind}`);

    const ids = ['u1', 'u2'].map((u) => notificationId('acme', 'signup-1', u));
    expect(outcome.notifications.map((n) => n.notificationId)).toEqual(ids);
    expect(outcome.notifications[0]).toMatchObject({
      tenantId: 'acme',
      userId: 'u1',
      acceptedAt: NOW,
      requestedAt: NOW,
      source: 'REST',
    });
    expect(outcome.statusEvents).toEqual(
      ids.map((id, i) => ({
        notificationId: id,
        tenantId: 'acme',
        userId: `u${i + 1}`,
        status: 'ACCEPTED',
        stage: 'ingest',
        channel: null,
        provider: null,
        reason: null,
        providerMessageId: null,
        occurredAt: NOW,
        attributes: { source: 'REST' },
      })),
    );
    expect(outcome.response).toEqual({
      idempotencyKey: 'signup-1',
      acceptedAt: NOW,
      notifications: [
        { userId: 'u1', notificationId: ids[0] },
        { userId: 'u2', notificationId: ids[1] },
      ],
    });
    expect(world.recipientLookups).toEqual([['u1', 'u2']]);
    expect(world.calls).toEqual(['tenants', 'templates', 'recipients acme', 'claim']);
    expect(outcome.claimId).toBe('claim-1');
  });

  it('takes the tenant from a Kafka request', async () => {
    const world = new InMemoryWorld();
    const outcome = await acceptNotification(world.ports(), {
      body: { ...body, tenantId: 'acme' },
      source: 'KAFKA',
    });
    expect(outcome.kind).toBe('accepted');
  });

  it('answers a repeat with the first response once completed, and in-flight before', async () => {
    const world = new InMemoryWorld();
    const first = await acceptNotification(world.ports(), { body, source: 'REST', tenantId: 'acme' });
    if (first.kind !== 'accepted') throw new Error('expected accepted');

    const during = await acceptNotification(world.ports(), { body, source: 'REST', tenantId: 'acme' });
    expect(during).toEqual({ kind: 'in-flight', tenantId: 'acme', idempotencyKey: 'signup-1' });

    await world.ports().idempotency.complete('acme', 'signup-1', first.claimId, first.response);
    const after = await acceptNotification(world.ports(), { body, source: 'REST', tenantId: 'acme' });
    expect(after).toEqual({ kind: 'duplicate', response: first.response });
  });

  it('rejects reuse of an idempotency key for another request', async () => {
    const world = new InMemoryWorld();
    await acceptNotification(world.ports(), { body, source: 'REST', tenantId: 'acme' });
    const outcome = await acceptNotification(world.ports(), {
      body: { ...body, recipients: ['u3'] },
      source: 'REST',
      tenantId: 'acme',
    });
    expect(outcome.kind).toBe('rejected');
    if (outcome.kind !== 'rejected') return;
    expect(outcome.error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(outcome.error).toBeInstanceOf(ValidationError);
    expect((outcome.error as ValidationError).issues).toEqual([
      { path: 'idempotencyKey', message: 'was already used for a different request' },
    ]);
  });

  it('rejects an invalid request with every field issue and touches no port', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    ports.tenants = { existing: async () => Promise.reject(new Error('must not be called')) };
    const outcome = await acceptNotification(ports, {
      body: { recipients: [], templateId: '' },
      source: 'REST',
      tenantId: 'acme',
    });
    expect(outcome.kind).toBe('rejected');
    if (outcome.kind !== 'rejected') return;
    expect(outcome.error).toBeInstanceOf(ValidationError);
    expect((outcome.error as ValidationError).issues.map((i) => i.path)).toEqual([
      'recipients',
      'templateId',
      'category',
    ]);
  });

  it('rejects an unknown tenant without looking further', async () => {
    const world = new InMemoryWorld();
    const outcome = await acceptNotification(world.ports(), { body, source: 'REST', tenantId: 'ghost' });
    if (outcome.kind !== 'rejected') throw new Error('expected rejected');
    expect(outcome.error).toBeInstanceOf(NotFoundError);
    expect((outcome.error as MissingReferencesError).missing).toEqual({ tenantId: 'ghost', userIds: [] });
    expect(outcome.error.message).toBe('tenant ghost not found');
    expect(world.recipientLookups).toEqual([]);
  });

  it('rejects an unknown template and unknown recipients together, naming each', async () => {
    const world = new InMemoryWorld();
    const outcome = await acceptNotification(world.ports(), {
      body: { ...body, templateId: 'nope', recipients: ['u1', 'x1', 'x2'] },
      source: 'REST',
      tenantId: 'acme',
    });
    if (outcome.kind !== 'rejected') throw new Error('expected rejected');
    expect(outcome.error).toBeInstanceOf(MissingReferencesError);
    expect((outcome.error as MissingReferencesError).missing).toEqual({
      templateId: 'nope',
      userIds: ['x1', 'x2'],
    });
    expect(outcome.error.message).toBe('template nope; recipients x1, x2 not found');
    expect(outcome.error.details.missing).toEqual({ templateId: 'nope', userIds: ['x1', 'x2'] });
    expect(world.keys.size).toBe(0); // a rejected request does not burn its idempotency key
  });

  it('shortens the message for many missing recipients but lists them all', async () => {
    const world = new InMemoryWorld();
    const ghosts = Array.from({ length: 25 }, (_, i) => `g${i}`);
    const outcome = await acceptNotification(world.ports(), {
      body: { ...body, recipients: ghosts },
      source: 'REST',
      tenantId: 'acme',
    });
    if (outcome.kind !== 'rejected') throw new Error('expected rejected');
    expect(outcome.error.message).toBe(
      'recipients g0, g1, g2, g3, g4, g5, g6, g7, g8, g9 and 15 more not found',
    );
    expect((outcome.error as MissingReferencesError).missing.userIds).toHaveLength(25);
  });

  it('uses the key supplied for a request without one', async () => {
    const world = new InMemoryWorld();
    const command = {
      body: { ...body, idempotencyKey: undefined },
      source: 'KAFKA' as const,
      tenantId: 'acme',
      newIdempotencyKey: () => 'notify.requests.v1/3/1207',
    };
    const outcome = await acceptNotification(world.ports(), command);
    if (outcome.kind !== 'accepted') throw new Error('expected accepted');
    expect(outcome.response.idempotencyKey).toBe('notify.requests.v1/3/1207');
    expect(outcome.notifications[0]?.notificationId).toBe(
      notificationId('acme', 'notify.requests.v1/3/1207', 'u1'),
    );
  });

  it('lets store failures propagate', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    ports.recipients = { getMany: async () => Promise.reject(new Error('mongo down')) };
    await expect(acceptNotification(ports, { body, source: 'REST', tenantId: 'acme' })).rejects.toThrow(
      'mongo down',
    );
  });
});
