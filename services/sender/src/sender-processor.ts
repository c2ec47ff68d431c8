import type { ControlsWatcher } from '@notify/controls';
import { Stages } from '@notify/core';
import { statusEvent, statusOutput, type ProcessorDefinition } from '@notify/runtime';
import { dispatchTopic, PROVIDERS, Topics } from '@notify/schemas';
import { deliverSlice, type DeliverDeps } from './deliver.js';

/**
 * notify.dispatch.<provider>.v1 → the provider, with SENT / FAILED on the status topic. A fetched slice
 * is handled at once: the ledger and the circuit breaker are asked once for all of it, then its dispatches
 * are sent `deps.concurrency` at a time (a sender that waits for each provider call in turn is bound by
 * the provider's latency). One recipient's dispatches still go one after the other, in offset order.
 */
export function senderProcessor(deps: DeliverDeps, controls: ControlsWatcher): ProcessorDefinition<'dispatch'> {
  const provider = deps.adapter.provider;
  return {
    name: `sender-${provider}`,
    input: dispatchTopic(provider),
    // Failover re-dispatches to any other provider's topic.
    outputs: [Topics.status, ...PROVIDERS.filter((p) => p !== provider).map(dispatchTopic)],
    bindings: (d) => ({ notificationId: d.notificationId, tenantId: d.tenantId, channel: d.channel }),
    holdReason: () => {
      const { controls: c } = controls.snapshot();
      if (c.disabledProviders.has(provider)) return `provider ${provider} switched off`;
      if (c.disabledChannels.has(deps.adapter.channel)) return `channel ${deps.adapter.channel} switched off`;
      return undefined;
    },
    handle: { batch: (records) => deliverSlice(records, deps) },
    onDeadLetter: (d, failure, ctx) => [
      statusOutput(
        statusEvent(d, Stages.sender, 'FAILED', ctx.now(), {
          channel: d.channel,
          provider,
          reason: `${failure.code}: ${failure.message}`.slice(0, 500),
          attributes: { errorCode: failure.code, attempts: String(ctx.attempt) },
        }),
      ),
    ],
  };
}
