import { ErrorCodes, ProviderError } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import { effectiveTimeout, withDeadline } from './deadline.js';
import type { ProviderAdapter, SendContext } from './provider-adapter.js';

/**
 * How every adapter's `send` begins: a dispatch for another channel is refused, not retriable; the call
 * gets the tighter of the context's budget and the adapter's own ceiling, and runs under that deadline.
 */
export async function sendWithin<T>(
  adapter: Pick<ProviderAdapter, 'provider' | 'channel'>,
  ceilingMs: number | undefined,
  message: Dispatch,
  ctx: SendContext,
  call: (signal: AbortSignal, timeoutMs: number) => Promise<T>,
): Promise<T> {
  if (message.channel !== adapter.channel) {
    throw new ProviderError(
      adapter.provider,
      ErrorCodes.PROVIDER_REJECTED,
      `${adapter.provider} cannot deliver ${message.channel}`,
      false,
    );
  }
  const timeoutMs = effectiveTimeout(ctx.timeoutMs, ceilingMs);
  return withDeadline(adapter.provider, timeoutMs, (signal) => call(signal, timeoutMs));
}
