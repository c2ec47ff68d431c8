import type { SchemaName } from './schema-files.js';
import type { SchemaValueTypes } from './generated/types.js';

/** Providers with a dispatch topic and a sender deployment of their own. */
export const PROVIDERS = ['sendgrid', 'twilio', 'smtp', 'webhook', 'inapp', 'push', 'ses', 'sns', 'apns'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** What a topic's records are keyed by: the partitioning contract. Records with one key stay in order. */
export type KeyKind = 'tenant' | 'recipient' | 'notification' | 'request';

export interface TopicSpec<S extends SchemaName = SchemaName> {
  name: string;
  schema: S;
  /** How the key is formed; documents the partitioning contract. */
  key: KeyKind;
  partitions: number;
  retentionMs: number;
}

/** A registry topic: its spec and the key every record produced to it carries. */
export interface KeyedTopicSpec<S extends SchemaName = SchemaName> extends TopicSpec<S> {
  keyOf(value: SchemaValueTypes[S]): string;
}

/** The fields each kind of key is made of. */
interface KeyFields {
  tenant: { tenantId: string };
  recipient: { tenantId: string; userId: string };
  notification: { notificationId: string };
  request: { tenantId: string; idempotencyKey: string };
}

/** Pipeline topics are keyed by recipient, so one recipient's notifications stay in order. */
export function recipientKey({ tenantId, userId }: KeyFields['recipient']): string {
  return `${tenantId}:${userId}`;
}

const keyFrom: { [K in KeyKind]: (fields: KeyFields[K]) => string } = {
  tenant: ({ tenantId }) => tenantId,
  recipient: recipientKey,
  notification: ({ notificationId }) => notificationId,
  request: ({ tenantId, idempotencyKey }) => `${tenantId}:${idempotencyKey}`,
};

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

function topic<S extends SchemaName, K extends KeyKind>(
  name: string,
  schema: S,
  key: K,
  keyFieldsOf: (value: SchemaValueTypes[S]) => KeyFields[K],
): KeyedTopicSpec<S> {
  const keyOf = (value: SchemaValueTypes[S]) => keyFrom[key](keyFieldsOf(value));
  return { name, schema, key, keyOf, partitions: 12, retentionMs: WEEK_MS };
}

/** Every pipeline topic, in flow order. Topic names exist only here. */
export const Topics = {
  requests: topic('notify.requests.v1', 'notification-request', 'tenant', (request) => request),
  /** Internal to ingest: a broadcast's expansion, one record per page, handed on until done. */
  broadcasts: topic('notify.broadcasts.v1', 'broadcast-expansion', 'request', (expansion) => expansion),
  accepted: topic('notify.accepted.v1', 'notification-accepted', 'recipient', (accepted) => accepted.notification),
  enriched: topic('notify.enriched.v1', 'notification-enriched', 'recipient', (enriched) => enriched.notification),
  filtered: topic('notify.filtered.v1', 'notification-filtered', 'recipient', (filtered) => filtered.notification),
  status: topic('notify.status.v1', 'notification-status', 'notification', (event) => event),
} as const;

const dispatchTopics = new Map<Provider, KeyedTopicSpec<'dispatch'>>();

/** A provider's dispatch topic; one spec per provider, asked for once per routed record. */
export function dispatchTopic(provider: Provider): KeyedTopicSpec<'dispatch'> {
  let spec = dispatchTopics.get(provider);
  if (!spec) {
    spec = topic(`notify.dispatch.${provider}.v1`, 'dispatch', 'recipient', (dispatch) => dispatch);
    dispatchTopics.set(provider, spec);
  }
  return spec;
}

export function allTopics(): KeyedTopicSpec[] {
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
