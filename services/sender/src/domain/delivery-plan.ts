import type { Dispatch, Provider } from '@notify/schemas';

/** What the sender does with one dispatch before calling the provider. */
export type DeliveryPlan =
  | { kind: 'expired' }
  | { kind: 'already-sent'; providerMessageId: string }
  | { kind: 'failover'; to: Provider; remaining: Provider[]; reason: string }
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
  if (d.expiresAt !== null && d.expiresAt <= facts.now) return { kind: 'expired' };
  if (facts.circuitOpen) return failoverOr(d, 'circuit_open') ?? { kind: 'circuit-open' };
  return { kind: 'send' };
}

/** The failover target after `reason`, or undefined when no fallback provider is left. */
export function failoverOr(d: Dispatch, reason: string): DeliveryPlan | undefined {
  const [next, ...remaining] = d.fallbackProviders as Provider[];
  return next ? { kind: 'failover', to: next, remaining, reason } : undefined;
}

/** The dispatch re-addressed to a fallback provider; everything else is kept. */
export function failoverDispatch(d: Dispatch, to: Provider, remaining: Provider[], now: number): Dispatch {
  return { ...d, provider: to, fallbackProviders: remaining, dispatchedAt: now };
}

