import { Stages, toFailure } from '@notify/core';
import { deadLetteredStatus, output, statusOutput, type InputRecord, type Output, type ProcessorDefinition } from '@notify/runtime';
import { dispatchTopic, PROVIDERS, Topics, type Channel, type NotificationFiltered, type Provider } from '@notify/schemas';
import { route } from './domain/route.js';
import type { ProviderState } from './domain/provider-choice.js';
import type { RoutingConfig } from './domain/routing-config.js';
import { addressesToCheck, undeliverableAddresses } from './domain/undeliverable.js';

/** notify.filtered.v1 → one Dispatch per chosen channel on its provider's topic, plus status events. */
export interface LiveRouting {
  state: ProviderState;
  /** Rollout percentages set at run time; they override the configured ones. */
  rollout: Readonly<Partial<Record<Provider, number>>>;
}

interface AddressRef {
  tenantId: string;
  channel: Channel;
  address: string;
}

/** The addresses marked undeliverable among those asked about (SuppressionRepository). */
export interface SuppressedAddresses {
  suppressedAmong<R extends AddressRef>(refs: readonly R[]): Promise<R[]>;
}

export function routeProcessor(config: RoutingConfig, live: () => LiveRouting, suppressions: SuppressedAddresses): ProcessorDefinition<'notification-filtered'> {
  return {
    name: Stages.channelRouter,
    input: Topics.filtered,
    outputs: [Topics.status, ...PROVIDERS.map(dispatchTopic)],
    bindings: (v) => ({ notificationId: v.notification.notificationId, tenantId: v.notification.tenantId }),
    handle: { batch: (records) => routeBatch(records, config, live, suppressions) },
    onDeadLetter: (value, failure, ctx) => [deadLetteredStatus(value.notification, Stages.channelRouter, failure, ctx.now())],
  };
}

/** One suppression lookup for the whole slice's addresses, then each record routed on its own. */
async function routeBatch(
  records: Array<InputRecord<NotificationFiltered>>,
  config: RoutingConfig,
  live: () => LiveRouting,
  suppressions: SuppressedAddresses,
): Promise<Array<Output[] | Error>> {
  const refs = records.flatMap(({ value }, record) =>
    addressesToCheck(value).map(({ channel, address }) => ({ record, tenantId: value.notification.tenantId, channel, address })),
  );
  const suppressed = new Map<number, AddressRef[]>();
  for (const s of refs.length > 0 ? await suppressions.suppressedAmong(refs) : []) suppressed.set(s.record, [...(suppressed.get(s.record) ?? []), s]);
  const { state, rollout } = live();
  const effective = Object.keys(rollout).length ? { ...config, rolloutPercent: { ...config.rolloutPercent, ...rollout } } : config;
  return records.map(({ value, context }, i) => {
    try {
      const undeliverable = undeliverableAddresses(suppressed.get(i) ?? []);
      const result = route(value, effective, context.now(), state, undeliverable);
      const outputs: Output[] = result.dispatches.map((d) => {
        const topic = dispatchTopic(d.provider);
        return output(topic, context.key ?? topic.keyOf(d.value), d.value);
      });
      return [...outputs, ...result.statusEvents.map(statusOutput)];
    } catch (err) {
      return toFailure(err);
    }
  });
}
