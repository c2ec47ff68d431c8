import type { SchemaName } from './schema-files.js';
import type { SchemaValueTypes } from './generated/types.js';

/** Providers with a dispatch topic and a sender deployment of their own. */
export const PROVIDERS = ['sendgrid', 'twilio', 'smtp', 'webhook', 'inapp', 'push'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface TopicSpec<S extends SchemaName = SchemaName> {
  name: string;
  schema: S;
  /** How the key is formed; documents the partitioning contract. */
  key: 'recipient' | 'notification';
  partitions: number;
  retentionMs: number;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

function topic<S extends SchemaName>(name: string, schema: S, key: TopicSpec['key'] = 'recipient'): TopicSpec<S> {
  return { name, schema, key, partitions: 12, retentionMs: WEEK_MS };
}

/** Every pipeline topic, in flow order. Topic names exist only here. */
export const Topics = {
  requests: topic('notify.requests.v1', 'notification-request'),
  accepted: topic('notify.accepted.v1', 'notification-accepted'),
  enriched: topic('notify.enriched.v1', 'notification-enriched'),
  filtered: topic('notify.filtered.v1', 'notification-filtered'),
  status: topic('notify.status.v1', 'notification-status', 'notification'),
} as const;

export function dispatchTopic(provider: Provider): TopicSpec<'dispatch'> {
  return topic(`notify.dispatch.${provider}.v1`, 'dispatch');
}

export function allTopics(): TopicSpec[] {
  return [...Object.values(Topics), ...PROVIDERS.map(dispatchTopic)];
}

/** The value type carried by a topic spec. */
export type TopicValue<T extends TopicSpec> = T extends TopicSpec<infer S> ? SchemaValueTypes[S] : never;

/** Retry tier topic names and DLQ name for a source topic. */
export function retryTopicName(source: string, tier: number): string {
  return `${source}.retry.${tier}`;
}
export function dlqTopicName(source: string): string {
  return `${source}.dlq`;
}
