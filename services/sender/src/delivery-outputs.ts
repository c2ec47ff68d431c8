import { Stages } from '@notify/core';
import { output, statusEvent, statusOutput, type Output } from '@notify/runtime';
import { dispatchTopic, type Dispatch, type Provider } from '@notify/schemas';
import { failoverDispatch, type Failover } from './domain/delivery-plan.js';

export function sentOutput(d: Dispatch, provider: Provider, providerMessageId: string, now: number, attributes: Record<string, string> = {}): Output {
  return statusOutput(statusEvent(d, Stages.sender, 'SENT', now, { channel: d.channel, provider, providerMessageId, attributes }));
}

export function expiredOutput(d: Dispatch, provider: Provider, now: number): Output {
  return statusOutput(statusEvent(d, Stages.sender, 'SUPPRESSED', now, { channel: d.channel, provider, reason: 'expired' }));
}

/** The dispatch re-addressed to the fallback provider's topic, and ROUTED on the status topic. */
export function failoverOutputs(d: Dispatch, plan: Failover, now: number, error?: string): Output[] {
  const next = failoverDispatch(d, plan.to, plan.remaining, now);
  const topic = dispatchTopic(plan.to);
  return [
    output(topic, topic.keyOf(next), next),
    statusOutput(
      statusEvent(d, Stages.sender, 'ROUTED', now, {
        channel: d.channel,
        provider: plan.to,
        reason: `failover from ${d.provider}: ${plan.reason}`,
        attributes: { failoverFrom: d.provider, ...(error ? { error: error.slice(0, 300) } : {}) },
      }),
    ),
  ];
}
