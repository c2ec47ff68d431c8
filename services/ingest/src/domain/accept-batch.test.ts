import { ValidationError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError, type AcceptOutcome } from './accept-notification.js';
import { claimBatch, settleBatch, type BatchAcceptPorts, type ClaimedBatch } from './accept-batch.js';
import type { Settled } from './accept-records.js';
import type { IdempotencyClaim } from './idempotency.js';
import { InMemoryWorld, NOW } from './in-memory-world.fixture.js';
import { notificationId } from './notification-id.js';
import { MissingReferencesError } from './references.js';
import { requestHash } from './request-hash.js';
import { parseNotificationRequest } from './request-schema.js';

const body = (idempotencyKey: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey,
  recipients: ['u1', 'u2'],
  templateId: 'welcome',
  category: 'account',
  ...extra,
});

const hashOf = (b: unknown) => requestHash(parseNotificationRequest(b, { now: NOW, tenantId: 'acme' }));

const claim = (ports: BatchAcceptPorts, bodies: unknown[]) => claimBatch(ports, { bodies, tenantId: 'acme' });

/** Settles a batch as if every claimed item were published and its key completed. */
function published(batch: ClaimedBatch) {
  return settleBatch(batch, { completed: batch.claimed.map(() => true) });
}

function kinds(outcomes: ReadonlyArray<Settled<AcceptOutcome>>): string[] {
  return outcomes.map((o) => (o instanceof Error ? `error: ${o.message}` : o.kind));
}

const errorOf = (outcome: Settled<AcceptOutcome> | undefined) =>
  outcome && !(outcome instanceof Error) && outcome.kind === 'rejected' ? outcome.error : undefined;

describe('claimBatch and settleBatch', () => {
  it('claims every key in one call, after one lookup per store, and accepts the items once published', async () => {
    const world = new InMemoryWorld();
    const batch = await claim(world.ports(), [body('a'), body('b', { recipients: ['u3'] }), body('c')]);

    expect(world.calls).toEqual(['tenants', 'templates', 'recipients acme', 'claimMany']);
    expect(world.recipientLookups).toEqual([['u1', 'u2', 'u3']]);
    expect(batch.claimed.map((c) => [c.index, c.claimId])).toEqual([
      [0, 'claim-1'],
      [1, 'claim-2'],
      [2, 'claim-3'],
    ]);

    const outcomes = published(batch);
    expect(kinds(outcomes)).toEqual(['accepted', 'accepted', 'accepted']);
    const first = outcomes[0] as Extract<AcceptOutcome, { kind: 'accepted' }>;
    const ids = ['u1', 'u2'].map((u) => notificationId('acme', 'a', u));
    expect(first.claimId).toBe('claim-1');
    expect(first.notifications.map((n) => [n.notificationId, n.source, n.acceptedAt])).toEqual([
      [ids[0], 'REST', NOW],
      [ids[1], 'REST', NOW],
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
    });
  });

  it('answers invalid items and unknown references without claiming their keys', async () => {
    const world = new InMemoryWorld();
    const batch = await claim(world.ports(), [
      { recipients: [], templateId: '' },
      'junk',
      body('ghosts', { recipients: ['u1', 'x1'], templateId: 'nope' }),
      body('other-tenant', { tenantId: 'globex' }),
      body('fine'),
    ]);
    const outcomes = published(batch);
    expect(kinds(outcomes)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'accepted']);
    expect((errorOf(outcomes[0]) as ValidationError).issues.map((i) => i.path)).toEqual([
      'recipients',
      'templateId',
      'category',
    ]);
    expect(errorOf(outcomes[1])).toBeInstanceOf(ValidationError);
    expect((errorOf(outcomes[2]) as MissingReferencesError).missing).toEqual({
      templateId: 'nope',
      userIds: ['x1'],
    });
    expect((errorOf(outcomes[3]) as ValidationError).issues).toEqual([
      { path: 'tenantId', message: 'does not match the authenticated tenant' },
    ]);
    expect([...world.keys.keys()]).toEqual([JSON.stringify(['acme', 'fine'])]);
  });

  it('asks nothing of the ledger when no item is valid', async () => {
    const world = new InMemoryWorld();
    const batch = await claim(world.ports(), [body('x', { recipients: ['ghost'] })]);
    expect(batch.claimed).toEqual([]);
    expect(world.calls).toEqual(['tenants', 'templates', 'recipients acme']);
    expect(kinds(published(batch))).toEqual(['rejected']);
  });

  it('answers keys held by earlier requests as claim() would: duplicate, in flight, reused', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    const done = await ports.idempotency.claim('acme', 'done', hashOf(body('done')));
    const earlier = { idempotencyKey: 'done', acceptedAt: 5, notifications: [] };
    await ports.idempotency.complete('acme', 'done', (done as { claimed: string }).claimed, earlier);
    await ports.idempotency.claim('acme', 'busy', hashOf(body('busy')));

    const outcomes = published(
      await claim(ports, [
        body('done'),
        body('busy'),
        body('done', { category: 'other' }),
        body('busy', { category: 'x' }),
      ]),
    );
    expect(outcomes.slice(0, 2)).toEqual([
      { kind: 'duplicate', response: earlier },
      { kind: 'in-flight', tenantId: 'acme', idempotencyKey: 'busy' },
    ]);
    expect(errorOf(outcomes[2])).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(errorOf(outcomes[3])).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(world.calls.filter((c) => c.startsWith('claim'))).toEqual(['claim', 'claim', 'claimMany']);
  });

  it('answers an item repeating a key of the batch as a duplicate of the first, or a reuse, once the first is completed', async () => {
    const world = new InMemoryWorld();
    const batch = await claim(world.ports(), [
      body('a'),
      body('b'),
      body('a'),
      body('a', { category: 'other' }),
      body('b', { recipients: ['u3'] }),
    ]);
    expect(batch.claimed.map((c) => c.index)).toEqual([0, 1]);
    expect(world.calls.filter((c) => c.startsWith('claim'))).toEqual(['claimMany']);

    const outcomes = published(batch);
    expect(kinds(outcomes)).toEqual(['accepted', 'accepted', 'duplicate', 'rejected', 'rejected']);
    const first = outcomes[0] as Extract<AcceptOutcome, { kind: 'accepted' }>;
    expect(outcomes[2]).toEqual({ kind: 'duplicate', response: first.response });
    expect(errorOf(outcomes[3])).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(errorOf(outcomes[4])).toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('lets the first valid item of a key claim it: a rejected one does not count', async () => {
    const world = new InMemoryWorld();
    const batch = await claim(world.ports(), [body('a', { recipients: ['ghost'] }), body('a'), body('a')]);
    expect(kinds(published(batch))).toEqual(['rejected', 'accepted', 'duplicate']);
  });

  it('finds a repeat in flight when the first item was published but its key could not be completed', async () => {
    const world = new InMemoryWorld();
    const batch = await claim(world.ports(), [
      body('a'),
      body('b'),
      body('a'),
      body('b'),
      body('a', { category: 'x' }),
    ]);
    const outcomes = settleBatch(batch, { completed: [false, true] });
    expect(kinds(outcomes)).toEqual(['accepted', 'accepted', 'in-flight', 'duplicate', 'rejected']);
    expect(outcomes[2]).toEqual({ kind: 'in-flight', tenantId: 'acme', idempotencyKey: 'a' });
  });

  it('fails the claimed items and their repeats with the publishing failure, and nothing else', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    await ports.idempotency.claim('acme', 'busy', hashOf(body('busy')));
    const batch = await claim(ports, [body('a'), body('busy'), body('a'), body('bad', { recipients: [] })]);
    const failure = new Error('kafka unavailable');
    const outcomes = settleBatch(batch, { publishFailure: failure, completed: [] });
    expect(kinds(outcomes)).toEqual([
      'error: kafka unavailable',
      'in-flight',
      'error: kafka unavailable',
      'rejected',
    ]);
  });

  it('claims a contested key through claim(), item by item until one claims it; the rest repeat it', async () => {
    const world = new InMemoryWorld();
    world.contested.add(JSON.stringify(['acme', 'stale']));
    const batch = await claim(world.ports(), [body('stale'), body('fresh'), body('stale')]);
    expect(world.calls.filter((c) => c.startsWith('claim'))).toEqual(['claimMany', 'claim']);
    expect(batch.claimed.map((c) => [c.index, c.response.idempotencyKey])).toEqual([
      [0, 'stale'],
      [1, 'fresh'],
    ]);
    expect(kinds(published(batch))).toEqual(['accepted', 'accepted', 'duplicate']);
  });

  it('asks claim() again for the next item of a contested key held for another request', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    const answers: IdempotencyClaim[] = ['mismatch', { claimed: 'took-over' }];
    const asked: string[] = [];
    ports.idempotency.claimMany = async (entries) => entries.map(() => 'contested' as const);
    ports.idempotency.claim = async (_tenantId, _key, hash) => {
      asked.push(hash);
      return answers.shift()!;
    };
    const bodies = [body('k'), body('k', { category: 'other' }), body('k', { category: 'other' }), body('k')];
    const batch = await claim(ports, bodies);
    expect(asked).toEqual([hashOf(bodies[0]), hashOf(bodies[1])]);
    expect(batch.claimed.map((c) => [c.index, c.claimId])).toEqual([[1, 'took-over']]);
    expect(kinds(published(batch))).toEqual(['rejected', 'accepted', 'duplicate', 'rejected']);
  });

  it('answers a contested key found completed or in flight by claim() for its later items too', async () => {
    const world = new InMemoryWorld();
    const ports = world.ports();
    const earlier = { idempotencyKey: 'k', acceptedAt: 5, notifications: [] };
    const answers: IdempotencyClaim[] = [{ existing: earlier }, 'in-flight'];
    ports.idempotency.claimMany = async (entries) => entries.map(() => 'contested' as const);
    ports.idempotency.claim = async () => answers.shift()!;
    const outcomes = published(
      await claim(ports, [body('k'), body('k'), body('k', { category: 'x' }), body('j'), body('j')]),
    );
    expect(kinds(outcomes)).toEqual(['duplicate', 'duplicate', 'rejected', 'in-flight', 'in-flight']);
    expect(outcomes[1]).toEqual({ kind: 'duplicate', response: earlier });
  });

  it('fails the items that needed a store that failed, each with its error', async () => {
    const lookups = new InMemoryWorld().ports();
    lookups.recipients = { getMany: async () => Promise.reject(new Error('cache and mongo down')) };
    expect(kinds(published(await claim(lookups, [body('a'), 'junk'])))).toEqual([
      'error: cache and mongo down',
      'rejected',
    ]);

    const claims = new InMemoryWorld().ports();
    claims.idempotency.claimMany = async () => Promise.reject(new Error('mongo down'));
    expect(
      kinds(published(await claim(claims, [body('a'), body('a'), body('b', { recipients: ['x'] })]))),
    ).toEqual(['error: mongo down', 'error: mongo down', 'rejected']);

    const world = new InMemoryWorld();
    world.contested.add(JSON.stringify(['acme', 'stale']));
    const takeover = world.ports();
    takeover.idempotency.claim = async () => Promise.reject(new Error('mongo gone'));
    expect(kinds(published(await claim(takeover, [body('stale'), body('ok'), body('stale')])))).toEqual([
      'error: mongo gone',
      'accepted',
      'error: mongo gone',
    ]);
  });

  it('gives each item without a key a key of its own', async () => {
    const world = new InMemoryWorld();
    const { idempotencyKey: _, ...keyless } = body('');
    const batch = await claim(world.ports(), [keyless, keyless]);
    expect(kinds(published(batch))).toEqual(['accepted', 'accepted']);
    const [a, b] = batch.claimed.map((c) => c.response.idempotencyKey);
    expect(a).not.toBe(b);
  });
});
