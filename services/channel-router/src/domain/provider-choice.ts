import { createHash } from 'node:crypto';
import type { Provider } from '@notify/schemas';
import type { ChannelRoute, RoutingConfig } from './routing-config.js';

/** Live provider health, read by the caller (kill switches, circuit breakers) and passed in. */
export interface ProviderState {
  /** Turned off by an operator: never chosen and never a fallback. */
  disabled: ReadonlySet<Provider>;
  /** Circuit breaker open: passed over while another provider can take the message. */
  openCircuits: ReadonlySet<Provider>;
}

export const ALL_PROVIDERS_HEALTHY: ProviderState = { disabled: new Set(), openCircuits: new Set() };

export type ProviderSkipReason = 'disabled' | 'circuit_open' | 'not_in_rollout';

export interface ProviderChoice {
  provider: Provider;
  /** Where the sender fails over to, in config order. */
  fallbackProviders: Provider[];
  /** Providers ahead of the chosen one in config order, and why each was passed over. */
  skipped: Array<{ provider: Provider; reason: ProviderSkipReason }>;
}

export interface RecipientKey {
  tenantId: string;
  userId: string;
}

/** The recipient's stable rollout bucket, 0-99, from a hash of `tenantId:userId`. */
export function rolloutBucket(recipient: RecipientKey): number {
  const digest = createHash('sha256').update(`${recipient.tenantId}:${recipient.userId}`).digest();
  return digest.readUInt32BE(0) % 100;
}

/**
 * Whether a provider rolled out to `percent` % of recipients is used for this one; undefined means
 * 100 %. Raising the percentage only ever adds recipients, since the bucket does not depend on it.
 */
export function isInRollout(percent: number | undefined, recipient: RecipientKey): boolean {
  if (percent === undefined || percent >= 100) return true;
  return rolloutBucket(recipient) < percent;
}

/**
 * Picks the provider for one dispatch from the channel's configured provider and fallbacks.
 *
 * The first provider that is enabled, has a closed circuit and includes the recipient in its rollout
 * wins. When none qualifies, rollout is relaxed first (it shapes traffic, it is not a safety limit),
 * then the circuit (the sender's breaker then holds the message in its retry tiers until the circuit
 * closes). A disabled provider is never used: with every provider disabled the result is null.
 *
 * Fallbacks are the other enabled providers that include the recipient in their rollout, in config
 * order, including ones passed over for an open circuit: by the time a failover happens that circuit
 * may have closed.
 */
export function chooseProvider(
  route: ChannelRoute,
  recipient: RecipientKey,
  rolloutPercent: RoutingConfig['rolloutPercent'],
  state: ProviderState = ALL_PROVIDERS_HEALTHY,
): ProviderChoice | null {
  const candidates = [...new Set([route.provider, ...route.fallbackProviders])];
  const enabled = candidates.filter((p) => !state.disabled.has(p));
  const closed = (p: Provider) => !state.openCircuits.has(p);
  const inRollout = (p: Provider) => isInRollout(rolloutPercent[p], recipient);

  const provider =
    enabled.find((p) => closed(p) && inRollout(p)) ??
    enabled.find(closed) ??
    enabled.find(inRollout) ??
    enabled[0];
  if (provider === undefined) return null;

  const skipped = candidates.slice(0, candidates.indexOf(provider)).map((p) => ({
    provider: p,
    reason: state.disabled.has(p)
      ? ('disabled' as const)
      : !closed(p)
        ? ('circuit_open' as const)
        : ('not_in_rollout' as const),
  }));
  const fallbackProviders = enabled.filter((p) => p !== provider && inRollout(p));
  return { provider, fallbackProviders, skipped };
}
