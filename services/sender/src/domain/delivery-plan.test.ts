import type { Dispatch } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { failoverDispatch, idempotencyKey, needsCircuit, planAfterFailure, planDelivery } from './delivery-plan.js';

const d: Dispatch = {
  notificationId: 'n1',
  tenantId: 't1',
  userId: 'u1',
  channel: 'EMAIL',
  provider: 'sendgrid',
  fallbackProviders: ['smtp'],
  to: 'a@example.com',
  subject: 'Hi',
  text: 'Hello',
  html: null,
  category: 'account',
  priority: 'NORMAL',
  data: {},
  requestedAt: 1,
  expiresAt: null,
  dispatchedAt: 2,
};

describe('planDelivery', () => {
  it('sends a fresh dispatch', () => {
    expect(planDelivery(d, { now: 10, circuitOpen: false })).toEqual({ kind: 'send' });
  });

  it('never re-sends what the ledger has, even when expired or the circuit is open', () => {
    expect(planDelivery({ ...d, expiresAt: 5 }, { now: 10, circuitOpen: true, alreadySentAs: 'm1' })).toEqual({
      kind: 'already-sent',
      providerMessageId: 'm1',
    });
  });

  it('drops expired dispatches', () => {
    expect(planDelivery({ ...d, expiresAt: 10 }, { now: 10, circuitOpen: false })).toEqual({ kind: 'expired' });
  });

  it('fails over when the circuit is open and a fallback is left', () => {
    expect(planDelivery(d, { now: 10, circuitOpen: true })).toEqual({ kind: 'failover', to: 'smtp', remaining: [], reason: 'circuit_open' });
  });

  it('waits for the circuit when no fallback is left', () => {
    expect(planDelivery({ ...d, fallbackProviders: [] }, { now: 10, circuitOpen: true })).toEqual({ kind: 'circuit-open' });
  });

  it('re-addresses a failover dispatch and keys deliveries by notification and channel', () => {
    expect(failoverDispatch(d, 'smtp', [], 99)).toMatchObject({ provider: 'smtp', fallbackProviders: [], dispatchedAt: 99, to: 'a@example.com' });
    expect(idempotencyKey(d)).toBe('n1:EMAIL');
  });

  it('asks for the circuit only when the dispatch is neither sent already nor expired', () => {
    expect(needsCircuit(d, { now: 10 })).toBe(true);
    expect(needsCircuit(d, { now: 10, alreadySentAs: 'm1' })).toBe(false);
    expect(needsCircuit({ ...d, expiresAt: 10 }, { now: 10 })).toBe(false);
  });
});

describe('planAfterFailure', () => {
  it('retries while attempts are left and the circuit stayed closed', () => {
    expect(planAfterFailure(d, { lastAttempt: false, circuitOpened: false })).toBeUndefined();
  });

  it('fails over on the last attempt, and when the failure opened the circuit', () => {
    expect(planAfterFailure(d, { lastAttempt: true, circuitOpened: false })).toEqual({ kind: 'failover', to: 'smtp', remaining: [], reason: 'retries_exhausted' });
    expect(planAfterFailure(d, { lastAttempt: false, circuitOpened: true })).toEqual({ kind: 'failover', to: 'smtp', remaining: [], reason: 'circuit_open' });
    expect(planAfterFailure(d, { lastAttempt: true, circuitOpened: true })).toMatchObject({ reason: 'circuit_open' });
  });

  it('retries when no fallback provider is left', () => {
    expect(planAfterFailure({ ...d, fallbackProviders: [] }, { lastAttempt: true, circuitOpened: true })).toBeUndefined();
  });
});
