import { ValidationError } from '@notify/core';
import type { NotificationRequest } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError } from './accept-notification.js';
import { acceptRecords, type RecordOutcome, type RecordToAccept } from './accept-records.js';
import { InMemoryWorld, NOW } from './in-memory-world.fixture.js';
import { notificationId } from './notification-id.js';
import { MissingReferencesError } from './references.js';
import { parseNotificationRequest } from './request-schema.js';
import { requestHash } from './request-hash.js';

const request = (overrides: Partial<NotificationRequest> = {}): NotificationRequest => ({
  tenantId: 'acme',
  idempotencyKey: 'k1',
  recipients: ['u1', 'u2'],
  templateId: 'welcome',
  category: 'account',
  channels: [],
  priority: 'NORMAL',
  data: {},
  scheduledFor: null,
  expiresAt: null,
  requestedAt: NOW - 1_000,
  topics: [],
  digest: null,
  ...overrides,
});

let offset = 0;
const record = (
  overrides: Partial<NotificationRequest> = {},
  origin = `notify.requests.v1/0/${++offset}`,
) => ({
  body: request(overrides),
  origin,
});

const hashOf = (r: RecordToAccept) => requestHash(parseNotificationRequest(r.body, { now: NOW }));

function kinds(outcomes: ReadonlyArray<RecordOutcome | Error>): string[] {
  return outcomes.map((o) => (o instanceof Error ? `error: ${o.message}` : o.kind));
}

describe('acceptRecords', () => {
  it('accepts a slice with one call per store, and one recipient lookup per tenant', async () => {
    const world = new InMemoryWorld();
    world.tenants.add('globex');
    world.recipients.set('globex', new Set(['g1']));
    world.templates.set('globex', new Set(['welcome']));
    const records = [
      record({ idempotencyKey: 'a' }),
      record({ idempotencyKey: 'b', recipients: ['u3'] }),
      record({ tenantId: 'globex', idempotencyKey: 'a', recipients: ['g1'] }),
    ];
    const outcomes = await acceptRecords(world.ports(), records);

    expect(kinds(outcomes)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(world.calls).toEqual([
      'tenants',
      'templates',
      'recipients acme',
      'recipients globex',
      'recordCompleted',
    ]);
    expect(world.recipientLookups).toEqual([['u1', 'u2', 'u3'], ['g1']]);
    const first = outcomes[0] as Extract<RecordOutcome, { kind: 'accepted' }>;
    const ids = ['u1', 'u2'].map((u) => notificationId('acme', 'a', u));
    expect(first.notifications.map((n) => [n.notificationId, n.source, n.acceptedAt])).toEqual([
      [ids[0], 'KAFKA', NOW],
      [ids[1], 'KAFKA', NOW],
    ]);
    expect(first.statusEvents.map((e) => [e.notificationId, e.status])).toEqual([
      [ids[0], 'ACCEPTED'],
      [ids[1], 'ACCEPTED'],
    ]);
    expect(first.response).toEqual({
      idempotencyKey: 'a',
      acceptedAt: NOW,
      notifications: [
        { userId: 'u1', notificationId: ids[0] },
        { userId: 'u2', notificationId: ids[1] },
      ],
      origin: records[0]!.origin,
    });
    expect(world.responseOf('globex', 'a')?.origin).toBe(records[2]!.origin);
  });

  it('rejects invalid requests and unknown references without recording their keys', async () => {
    const world = new InMemoryWorld();
    const outcomes = await acceptRecords(world.ports(), [
      record({ idempotencyKey: 'bad', recipients: [] }),
      record({ idempotencyKey: 'ghost-tenant', tenantId: 'ghost' }),
      record({ idempotencyKey: 'ghost-users', recipients: ['u1', 'x1'], templateId: 'nope' }),
      record({ idempotencyKey: 'fine' }),
    ]);
    expect(kinds(outcomes)).toEqual(['rejected', 'rejected', 'rejected', 'accepted']);
    const error = (i: number) => (outcomes[i] as Extract<RecordOutcome, { kind: 'rejected' }>).error;
    expect(error(0)).toBeInstanceOf(ValidationError);
    expect((error(1) as MissingReferencesError).missing).toEqual({ tenantId: 'ghost', userIds: [] });
    expect((error(2) as MissingReferencesError).missing).toEqual({ templateId: 'nope', userIds: ['x1'] });
    expect([...world.keys.keys()]).toEqual([JSON.stringify(['acme', 'fine'])]);
    expect(world.recipientLookups).toEqual([['u1', 'x1', 'u2']]); // nothing asked for the unknown tenant
  });

  it('looks nothing up for a slice of invalid requests', async () => {
    const world = new InMemoryWorld();
    const outcomes = await acceptRecords(world.ports(), [record({ recipients: [] })]);
    expect(kinds(outcomes)).toEqual(['rejected']);
    expect(world.calls).toEqual([]);
    expect(world.keys.size).toBe(0);
  });

  it('lets the first record of a key in the slice win; later ones are duplicates or reuses', async () => {
    const world = new InMemoryWorld();
    const outcomes = await acceptRecords(world.ports(), [
      record({ recipients: ['ghost'] }), // rejected: does not count
      record(),
      record(),
      record({ category: 'other' }),
    ]);
    expect(kinds(outcomes)).toEqual(['rejected', 'accepted', 'duplicate', 'rejected']);
    expect((outcomes[3] as Extract<RecordOutcome, { kind: 'rejected' }>).error).toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect((outcomes[2] as Extract<RecordOutcome, { kind: 'duplicate' }>).response).toEqual(
      (outcomes[1] as Extract<RecordOutcome, { kind: 'accepted' }>).response,
    );
    expect(world.calls.filter((c) => c === 'recordCompleted' || c === 'claim')).toEqual(['recordCompleted']);
  });

  it('gives the record that accepted a key the same acceptance again, any other record none', async () => {
    const world = new InMemoryWorld();
    const first = record();
    const [accepted] = await acceptRecords(world.ports(), [first]);
    const redelivered = await acceptRecords(world.ports(), [first, record()]);
    const response = (accepted as Extract<RecordOutcome, { kind: 'accepted' }>).response;
    expect(redelivered).toEqual([
      { kind: 'reaccepted', response },
      { kind: 'duplicate', response },
    ]);
  });

  it('keys a request without an idempotency key by its origin', async () => {
    const world = new InMemoryWorld();
    const origin = 'notify.requests.v1/3/1207';
    const [outcome] = await acceptRecords(world.ports(), [record({ idempotencyKey: '' }, origin)]);
    const accepted = outcome as Extract<RecordOutcome, { kind: 'accepted' }>;
    expect(accepted.response.idempotencyKey).toBe(origin);
    expect(accepted.notifications[0]?.notificationId).toBe(notificationId('acme', origin, 'u1'));
    expect(await acceptRecords(world.ports(), [record({ idempotencyKey: '' }, origin)])).toEqual([
      { kind: 'reaccepted', response: accepted.response },
    ]);
  });

  it('answers keys held by REST requests: in flight, completed, or for another request', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    const inFlight = record({ idempotencyKey: 'rest-1' });
    const completed = record({ idempotencyKey: 'rest-2' });
    await ports.idempotency.claim('acme', 'rest-1', hashOf(inFlight));
    const claim = await ports.idempotency.claim('acme', 'rest-2', hashOf(completed));
    const restResponse = { idempotencyKey: 'rest-2', acceptedAt: 5, notifications: [] };
    await ports.idempotency.complete('acme', 'rest-2', (claim as { claimed: string }).claimed, restResponse);

    const outcomes = await acceptRecords(ports, [
      inFlight,
      completed,
      record({ idempotencyKey: 'rest-2', category: 'x' }),
    ]);
    expect(outcomes[0]).toEqual({ kind: 'in-flight', tenantId: 'acme', idempotencyKey: 'rest-1' });
    expect(outcomes[1]).toEqual({ kind: 'duplicate', response: restResponse });
    expect(kinds(outcomes)[2]).toBe('rejected');
  });

  it('claims and completes a contested key record by record', async () => {
    const world = new InMemoryWorld();
    world.contested.add(JSON.stringify(['acme', 'stale']));
    const first = record({ idempotencyKey: 'stale' });
    const outcomes = await acceptRecords(world.ports(), [
      first,
      record({ idempotencyKey: 'stale' }),
      record(),
    ]);
    expect(kinds(outcomes)).toEqual(['accepted', 'duplicate', 'accepted']);
    expect(world.calls.slice(-4)).toEqual(['recordCompleted', 'claim', 'complete', 'claim']);
    expect(world.responseOf('acme', 'stale')?.origin).toBe(first.origin);
  });

  it('fails only a contested key whose completion fails, releasing its claim', async () => {
    const world = new InMemoryWorld();
    world.contested.add(JSON.stringify(['acme', 'stale']));
    world.completeFailure = new Error('mongo down');
    const outcomes = await acceptRecords(world.ports(), [
      record({ idempotencyKey: 'stale' }),
      record({ idempotencyKey: 'stale' }),
      record(),
    ]);
    expect(kinds(outcomes)).toEqual(['error: mongo down', 'error: mongo down', 'accepted']);
    expect(world.calls.slice(-3)).toEqual(['claim', 'complete', 'release']);
    expect(world.keys.has(JSON.stringify(['acme', 'stale']))).toBe(false);
  });

  it('lets a failure of a slice-wide call fail the slice', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    ports.idempotency.recordCompleted = async () => Promise.reject(new Error('mongo down'));
    await expect(acceptRecords(ports, [record()])).rejects.toThrow('mongo down');
    ports.recipients = { getMany: async () => Promise.reject(new Error('cache and mongo down')) };
    await expect(acceptRecords(ports, [record()])).rejects.toThrow('cache and mongo down');
  });
});
