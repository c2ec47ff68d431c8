import type { Dispatch, Provider } from '@notify/schemas';

export type Failover = { kind: 'failover'; to: Provider; remaining: Provider[]; reason: string };

/** What the sender does with one dispatch before calling the provider. */
export type DeliveryPlan =
  | { kind: 'expired' }
  | { kind: 'already-sent'; providerMessageId: string }
  | Failover
  | { kind: 'circuit-open' }
  | { kind: 'send' };

export interface DeliveryFacts {
  now: number;
  /** Provider message id from the delivery ledger, when this (notification, channel) already went out. */
  alreadySentAs?: string;
  circuitOpen: boolean;
}

export function idempotencyKey(d: Pick<Dispatch, 'notificationId' | 'channel'>): string {
  return `${d.notificationId}:${d.channel}`;
}

/**
 * Decides before any side effect. The ledger wins over everything: a delivery that went out is never
 * re-sent, expired or not. An open circuit sends the message to the next fallback provider, or back to
 * the retry tiers when there is none.
 */
export function planDelivery(d: Dispatch, facts: DeliveryFacts): DeliveryPlan {
  if (facts.alreadySentAs !== undefined) return { kind: 'already-sent', providerMessageId: facts.alreadySentAs };
  if (isExpired(d, facts.now)) return { kind: 'expired' };
  if (facts.circuitOpen) return failoverOr(d, 'circuit_open') ?? { kind: 'circuit-open' };
  return { kind: 'send' };
}

export function isExpired(d: Pick<Dispatch, 'expiresAt'>, now: number): boolean {
  return d.expiresAt !== null && d.expiresAt <= now;
}

/** Whether the plan depends on the circuit: the dispatch was not sent already and has not expired. */
export function needsCircuit(d: Dispatch, facts: Omit<DeliveryFacts, 'circuitOpen'>): boolean {
  return facts.alreadySentAs === undefined && !isExpired(d, facts.now);
}

/**
 * After a send failed for a reason that can pass: the next fallback provider when this was the last
 * attempt or the failure opened the circuit; undefined sends the dispatch back to the retry tiers.
 */
export function planAfterFailure(d: Dispatch, facts: { lastAttempt: boolean; circuitOpened: boolean }): Failover | undefined {
  if (facts.circuitOpened) return failoverOr(d, 'circuit_open');
  return facts.lastAttempt ? failoverOr(d, 'retries_exhausted') : undefined;
}

/** The failover target after `reason`, or undefined when no fallback provider is left. */
export function failoverOr(d: Dispatch, reason: string): Failover | undefined {
  const [next, ...remaining] = d.fallbackProviders as Provider[];
  return next ? { kind: 'failover', to: next, remaining, reason } : undefined;
}

/** The dispatch re-addressed to a fallback provider; everything else is kept. */
export function failoverDispatch(d: Dispatch, to: Provider, remaining: Provider[], now: number): Dispatch {
  return { ...d, provider: to, fallbackProviders: remaining, dispatchedAt: now };
}

