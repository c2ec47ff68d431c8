import type { Channel, DevicePlatform } from '@notify/schemas';

/** Collection names, in one place. */
export const Collections = {
  tenants: 'tenants',
  apiKeys: 'api_keys',
  recipients: 'recipients',
  preferences: 'preferences',
  templates: 'templates',
  notifications: 'notifications',
  deliveries: 'deliveries',
  /** Provider message id → delivery, for provider callbacks. */
  providerMessages: 'provider_messages',
  /** One document per status event: the timelines of `notifications`. */
  notificationEvents: 'notification_events',
  inbox: 'inapp_inbox',
  scheduled: 'scheduled_notifications',
  /** Exclusive, expiring claims: scheduled notifications' and idempotency keys' (see MongoLeases). */
  leases: 'leases',
  idempotency: 'idempotency_keys',
  auditLog: 'audit_log',
  /** Per-tenant keys signing end-user tokens, one document per tenant. */
  userTokenSecrets: 'user_token_secrets',
  /** Addresses a hard bounce or a complaint marked undeliverable, per tenant and channel. */
  suppressions: 'address_suppressions',
  /** Digest windows, one document per generation, _id the digest id (see DigestWindowRepository). */
  digestWindows: 'digest_windows',
  /** The latest generation of each (tenant, user, digest key) window. */
  digestHeads: 'digest_heads',
  /** Item (notification id) → the digest window it is in. */
  digestItems: 'digest_items',
  /** One claim per closed digest window: who closed it. */
  digestCloses: 'digest_closes',
  /** Broadcast topics' subscribers, in bucket documents (see topic-subscriptions/). */
  topicSubscriptions: 'topic_subscriptions',
} as const;

export interface TenantDoc {
  _id: string; // tenantId
  name: string;
  /** Locale used when a recipient's locale has no template. */
  defaultLocale: string;
  createdAt: Date;
}

export interface ApiKeyDoc {
  _id: string; // key id (public prefix)
  tenantId: string;
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  secretHash: string;
  /** Requests per minute allowed for this key. */
  rateLimitPerMinute: number;
  /** Admin keys may change runtime controls. */
  scopes: string[];
  createdAt: Date;
  revokedAt?: Date;
}

/** One key signing a tenant's end-user tokens (HS256). */
export interface UserTokenSigningKey {
  /** Key id, named in each token's header: 16 hex characters, not secret. */
  kid: string;
  /** 32 random bytes, base64url. Stored as it is (an HMAC key must be), never logged or answered. */
  secret: string;
  createdAt: Date;
}

/** A tenant's end-user token keys: created on the first token issued, then changed only by a rotation. */
export interface UserTokenSecretDoc {
  _id: string; // tenantId
  /** Signs new tokens and verifies them. */
  current: UserTokenSigningKey;
  /** The key `current` replaced at the last rotation: still verifies the tokens it signed. */
  previous?: UserTokenSigningKey;
  createdAt: Date;
  rotatedAt?: Date;
}

/** A push token and the platform that issued it, which decides the provider that can deliver to it. */
export interface RecipientDevice {
  token: string;
  platform: DevicePlatform;
}

export interface RecipientDoc {
  tenantId: string;
  userId: string;
  email?: string;
  /** E.164. */
  phone?: string;
  /** Push tokens of unknown platform. */
  deviceTokens: string[];
  /** Push devices with a platform, preferred first. */
  devices: RecipientDevice[];
  webhookUrl?: string;
  /** BCP 47, e.g. en-GB. */
  locale: string;
  /** IANA zone, e.g. Europe/Paris. */
  timezone: string;
  updatedAt: Date;
}

/** HH:mm in the recipient's time zone; a window may wrap midnight (22:00 → 07:00). */
export interface QuietHours {
  start: string;
  end: string;
}

export interface PreferencesDoc {
  tenantId: string;
  userId: string;
  /** Unsubscribed from everything (CRITICAL still goes out unless the category is opted out explicitly). */
  globalUnsubscribe: boolean;
  /** category -> channel -> opted in. Missing entries mean opted in. */
  categories: Record<string, Partial<Record<Channel, boolean>>>;
  quietHours?: QuietHours;
  updatedAt: Date;
}

export interface TemplateDoc {
  tenantId: string;
  templateId: string;
  channel: Channel;
  locale: string;
  version: number;
  subject?: string;
  body: string;
  html?: string;
  createdAt: Date;
}

export interface StatusTimelineEntry {
  status: string;
  stage: string;
  channel?: Channel;
  provider?: string;
  reason?: string;
  providerMessageId?: string;
  occurredAt: Date;
  attributes?: Record<string, string>;
}

/**
 * A notification with its timeline, as NotificationRepository.get returns it. Stored as a
 * NotificationSummaryDoc in `notifications` plus one StatusEventDoc per event in `notification_events`;
 * the status is derived from the events when read.
 */
export interface NotificationDoc {
  _id: string; // notificationId
  tenantId: string;
  userId: string;
  /** Latest status by occurredAt, engagement (OPENED, CLICKED...) left out. */
  status: string;
  /** occurredAt of the event `status` came from. */
  statusAt: Date;
  /** Oldest first. */
  timeline: StatusTimelineEntry[];
  /** When the latest event was recorded. */
  updatedAt: Date;
}

/**
 * The `notifications` document: who a notification is for, written once with its first recorded event
 * and never updated (an update per event would cost a read-modify-write per event on the hot path).
 */
export interface NotificationSummaryDoc {
  _id: string; // notificationId
  tenantId: string;
  userId: string;
  createdAt: Date;
}

/**
 * One status event (`notification_events`). Its _id is derived from the event (notification id,
 * status, stage, channel, occurredAt), so recording the same event twice is refused by the _id index:
 * an insert is atomic on every MongoDB-wire server, where read-modify-write updates may not be.
 */
export interface StatusEventDoc extends StatusTimelineEntry {
  _id: string;
  notificationId: string;
  tenantId: string;
  userId: string;
  recordedAt: Date;
}

export interface DeliveryDoc {
  _id: string; // `${notificationId}:${channel}`
  notificationId: string;
  channel: Channel;
  provider: string;
  providerMessageId: string;
  sentAt: Date;
}

export interface ProviderMessageDoc {
  _id: string; // `${provider}:${providerMessageId}`
  notificationId: string;
  channel: Channel;
}

/**
 * An address marked undeliverable on a channel (SuppressionRepository). Only the address's hash is kept:
 * the mark is found again from the address, never the address from the mark.
 */
export interface SuppressionDoc {
  _id: string; // suppressionId(tenantId, channel, address)
  tenantId: string;
  channel: Channel;
  /** SHA-256 of the normalised address, hex. */
  addressHash: string;
  reason: 'hard_bounce' | 'complaint';
  /** Who reported it, e.g. 'sendgrid'. */
  provider: string;
  /** The notification whose delivery bounced or was complained about. */
  notificationId: string;
  /** When the provider says it happened. */
  occurredAt: Date;
  createdAt: Date;
}

/**
 * One bucket of a broadcast topic's subscribers: the users of the topic whose id hashes to `bucket`. Read
 * and written by _id only, which every MongoDB-wire server answers without scanning.
 */
export interface SubscriberBucketDoc {
  _id: string; // bucketId(tenantId, topicId, bucket)
  tenantId: string;
  topicId: string;
  bucket: number;
  /** User ids, each once, in no particular order. */
  members: string[];
  updatedAt: Date;
}

export interface InboxDoc {
  _id: string; // notificationId
  tenantId: string;
  userId: string;
  title: string | null;
  body: string;
  category: string;
  data: Record<string, string>;
  createdAt: Date;
  readAt: Date | null;
}

export interface ScheduledDoc {
  _id: string; // notificationId
  tenantId: string;
  /** When to re-emit. */
  dueAt: Date;
  /** Avro-encoded NotificationEnriched value as produced, re-emitted unchanged. */
  payload: Buffer;
  key: string;
  headers: Record<string, string>;
  reason: string;
  /** cancelled: no longer wanted before it was due (a digest window closed early); never emitted. */
  state: 'pending' | 'emitted' | 'cancelled';
  /** Mirror of the latest lease (MongoLeases): who holds it, until when, and its generation (absent: 0). */
  leaseOwner: string | null;
  leaseUntil: Date | null;
  leaseGeneration?: number;
  createdAt: Date;
}

export interface IdempotencyDoc<R = unknown> {
  _id: string; // `${tenantId}:${key}`
  tenantId: string;
  key: string;
  /** Hash of the normalized request: the same key with another request is refused. */
  requestHash: string;
  state: 'in-flight' | 'completed';
  /** Random id of this claim, telling apart successive claims of the same key. */
  claimId: string;
  /**
   * The claim's lease generation: the insert of a new key is generation 1, each takeover the next one,
   * taken through MongoLeases (absent: 1).
   */
  generation?: number;
  /** The response given the first time, replayed to duplicates. */
  response: R | null;
  /** An in-flight claim whose lease has passed (its owner died) may be taken over. */
  leaseUntil: Date;
  createdAt: Date;
  completedAt: Date | null;
  /** Removed after this instant (TTL index or sweeper). */
  expiresAt: Date;
}

export interface AuditLogDoc {
  tenantId: string;
  /** API key id or service name. */
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  at: Date;
}
