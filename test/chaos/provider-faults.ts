import type { EmulatorSet } from '@notify/provider-emulators';
import type { ProviderFaults } from './chaos-config.js';

const PROVIDER_EMULATORS = ['sendgrid', 'twilio', 'fcm', 'webhook', 'smtp'] as const;

/** Every provider emulator fails and slows down calls at the given rates. */
export function applyProviderFaults(emulators: EmulatorSet, faults: ProviderFaults): void {
  for (const name of PROVIDER_EMULATORS) {
    emulators[name].control
      .setFailureRate({ rate5xx: faults.rate5xx, rate429: faults.rate429 })
      .setLatency({ fixedMs: faults.latencyMs, spikeMs: faults.spikeMs, spikeRate: faults.spikeRate });
  }
}

/** Calls each emulator answered, by status, to show the injected faults did happen. */
export function providerCallStatuses(emulators: EmulatorSet): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const name of PROVIDER_EMULATORS) {
    const counts: Record<string, number> = {};
    for (const c of emulators[name].calls) counts[String(c.status)] = (counts[String(c.status)] ?? 0) + 1;
    out[name] = counts;
  }
  return out;
}
