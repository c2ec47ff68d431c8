import type { Channel, Provider } from '@notify/schemas';

/** One delivery: a notification on one channel goes out once, whichever provider sends it. */
export interface DeliveryRef {
  notificationId: string;
  channel: Channel;
}

/** A delivery the provider accepted. */
export interface SentDelivery extends DeliveryRef {
  provider: Provider;
  providerMessageId: string;
  sentAt: Date;
}

/** The answer for one delivery of a batch call; an Error fails that delivery alone. */
export type Settled<T> = T | Error;

export type ClaimResult = { kind: 'claimed' } | { kind: 'busy' } | { kind: 'sent'; providerMessageId: string };

/**
 * The delivery ledger, one call per slice: each call takes the slice's deliveries and answers for each,
 * in order. A call that throws failed for all of them.
 */
export interface Ledger {
  /** How long a claim keeps other senders off a delivery, in milliseconds. */
  readonly claimTtlMs: number;
  /** The provider message id of each delivery already sent, undefined for the others. */
  sentAs(refs: readonly DeliveryRef[]): Promise<Array<Settled<string | undefined>>>;
  /** Claims the deliveries about to be sent, so no other sender sends them meanwhile. */
  claim(refs: readonly DeliveryRef[]): Promise<Array<Settled<ClaimResult>>>;
  /**
   * Records one delivery the provider has just accepted, at once, so that a sender that dies right after
   * leaves nothing to send again. Calls of concurrent sends may share one write. Throws when the durable
   * record could not be written.
   */
  markSent(sent: SentDelivery): Promise<void>;
  /** Records deliveries the provider accepted; all of them, or a throw. Safe to repeat. */
  recordSent(sent: readonly SentDelivery[]): Promise<void>;
  /** Gives up claims whose send failed, so a retry may send. */
  release(refs: readonly DeliveryRef[]): Promise<Array<Error | undefined>>;
}

/** The recipients' push tokens, as far as the sender changes them. */
export interface DeviceTokens {
  /** Forgets a token the provider refused as no longer (or never) a device of this app. */
  forget(tenantId: string, userId: string, token: string): Promise<void>;
}

/** Closed lets calls through, open refuses them, half-open lets trial calls through after the open period. */
export type CircuitState = 'closed' | 'half-open' | 'open';

/** The provider's circuit breaker, shared by every replica. */
export interface Breaker {
  state(provider: Provider): Promise<CircuitState>;
  /** Remaining open time in milliseconds, 0 when calls may go through. */
  openFor(provider: Provider): Promise<number>;
  /** Counts `count` successful calls. */
  recordSuccess(provider: Provider, count?: number): Promise<void>;
  /** True when this failure opened the circuit. */
  recordFailure(provider: Provider): Promise<boolean>;
}
