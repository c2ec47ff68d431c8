import type { Channel, Dispatch, Provider } from '@notify/schemas';

export interface SendContext {
  /** Stable across retries of the same delivery, e.g. `<notificationId>:<channel>`. */
  idempotencyKey: string;
  /** W3C trace context to hand on to the provider where it takes one. */
  traceparent?: string;
  /** The whole call, connection included, must finish within this. */
  timeoutMs: number;
}

export interface SendResult {
  providerMessageId: string;
}

/**
 * One provider behind one interface. `send` resolves once the provider has accepted the message and
 * throws a ProviderError (from @notify/runtime) for every failure, classified from the provider's status.
 */
export interface ProviderAdapter {
  readonly provider: Provider;
  readonly channel: Channel;
  send(message: Dispatch, ctx: SendContext): Promise<SendResult>;
  close(): Promise<void>;
}
