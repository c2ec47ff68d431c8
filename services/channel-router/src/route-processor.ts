import { Stages } from '@notify/core';
import { deadLetteredStatus, output, statusOutput, type Output, type ProcessorDefinition } from '@notify/runtime';
import { dispatchTopic, PROVIDERS, Topics, type Provider } from '@notify/schemas';
import { route } from './domain/route.js';
import type { ProviderState } from './domain/provider-choice.js';
import type { RoutingConfig } from './domain/routing-config.js';

/** notify.filtered.v1 → one Dispatch per chosen channel on its provider's topic, plus status events. */
export interface LiveRouting {
  state: ProviderState;
  /** Rollout percentages set at run time; they override the configured ones. */
  rollout: Readonly<Partial<Record<Provider, number>>>;
}

export function routeProcessor(config: RoutingConfig, live: () => LiveRouting): ProcessorDefinition<'notification-filtered'> {
  return {
    name: Stages.channelRouter,
    input: Topics.filtered,
    outputs: [Topics.status, ...PROVIDERS.map(dispatchTopic)],
    bindings: (v) => ({ notificationId: v.notification.notificationId, tenantId: v.notification.tenantId }),
    handle: {
      record: (value, ctx) => {
        const { state, rollout } = live();
        const effective = Object.keys(rollout).length ? { ...config, rolloutPercent: { ...config.rolloutPercent, ...rollout } } : config;
        const result = route(value, effective, ctx.now(), state);
        const outputs: Output[] = result.dispatches.map((d) => {
          const topic = dispatchTopic(d.provider);
          return output(topic, ctx.key ?? topic.keyOf(d.value), d.value);
        });
        return [...outputs, ...result.statusEvents.map(statusOutput)];
      },
    },
    onDeadLetter: (value, failure, ctx) => [deadLetteredStatus(value.notification, Stages.channelRouter, failure, ctx.now())],
  };
}
