// Generated from schemas/avro/*.avsc by scripts/generate-types.mjs. Do not edit.

/** Delivery channel. */
export type Channel = 'EMAIL' | 'SMS' | 'PUSH' | 'WEBHOOK' | 'IN_APP';
export const ChannelValues = ['EMAIL', 'SMS', 'PUSH', 'WEBHOOK', 'IN_APP'] as const;

/** Urgency; CRITICAL bypasses quiet hours. */
export type Priority = 'LOW' | 'NORMAL' | 'HIGH' | 'CRITICAL';
export const PriorityValues = ['LOW', 'NORMAL', 'HIGH', 'CRITICAL'] as const;

/** Where the notification entered the pipeline. */
export type IngestSource = 'REST' | 'KAFKA' | 'SCHEDULER';
export const IngestSourceValues = ['REST', 'KAFKA', 'SCHEDULER'] as const;

/** Collect this notification into the recipient's digest instead of delivering it alone. */
export interface DigestSpec {
  /** Items with the same tenant, recipient and key inside one window become one delivery. */
  key: string;
  /** A fixed window: it closes this many milliseconds after its first item. */
  windowMs: null | number;
  /** A scheduled window: it closes at the next HH:mm in the recipient's time zone. */
  dailyAt: null | string;
  /** The window closes early when it holds this many items. */
  maxItems: null | number;
}

/** The remaining expansion of a request naming broadcast topics (topic notify.broadcasts.v1): each record expands a page of subscribers into notifications and, while buckets remain, hands on the rest. */
export interface BroadcastExpansion {
  /** Tenant the request belongs to. */
  tenantId: string;
  /** The request's idempotency key; with the tenant and each recipient it derives the notification ids. */
  idempotencyKey: string;
  /** Template to render. */
  templateId: string;
  /** Preference category. */
  category: string;
  /** Requested channels, in preference order; empty means every channel the template supports. */
  channels: Array<Channel>;
  /** Urgency. */
  priority: Priority;
  /** Template variables. */
  data: Record<string, string>;
  /** Do not deliver before this instant (epoch millis). */
  scheduledFor: null | number;
  /** Do not deliver after this instant (epoch millis); expired notifications are suppressed. */
  expiresAt: null | number;
  /** When the upstream system made the request (epoch millis); end-to-end latency starts here. */
  requestedAt: number;
  /** When ingest accepted the request (epoch millis); every expanded notification carries it. */
  acceptedAt: number;
  /** Entry point of the request. */
  source: IngestSource;
  /** Digest each notification with others of the same key (null: deliver each alone). */
  digest: null | DigestSpec;
  /** Broadcast topics whose subscribers receive the notification; a user in several gets one. */
  topics: Array<string>;
  /** The request's own recipients, already notified at acceptance: skipped when met among subscribers. */
  directRecipients: Array<string>;
  /** First subscriber bucket not yet expanded; the expansion ends after the last bucket. */
  nextBucket: number;
}

/** One rendered message for one provider (topics notify.dispatch.<provider>.v1). */
export interface Dispatch {
  /** Notification id. */
  notificationId: string;
  /** Tenant. */
  tenantId: string;
  /** Recipient user id. */
  userId: string;
  /** Channel. */
  channel: Channel;
  /** Provider this record is addressed to, e.g. 'sendgrid'. */
  provider: string;
  /** Providers to fail over to, in order, if this one cannot deliver. */
  fallbackProviders: Array<string>;
  /** Address: email, E.164 phone, device token, webhook URL or user id (in-app). */
  to: string;
  /** Rendered subject or push title. */
  subject: null | string;
  /** Rendered plain-text body. */
  text: string;
  /** Rendered HTML body (email). */
  html: null | string;
  /** Preference category. */
  category: string;
  /** Urgency. */
  priority: Priority;
  /** Template variables, passed through for webhook and push payloads. */
  data: Record<string, string>;
  /** When the upstream request was made (epoch millis). */
  requestedAt: number;
  /** Do not deliver after this instant (epoch millis). */
  expiresAt: null | number;
  /** When the router produced this record (epoch millis). */
  dispatchedAt: number;
}

/** One notification for one recipient, as accepted by ingest. */
export interface Notification {
  /** Deterministic id derived from tenant, idempotency key and recipient. */
  notificationId: string;
  /** Owning tenant. */
  tenantId: string;
  /** Recipient user id within the tenant. */
  userId: string;
  /** Template to render. */
  templateId: string;
  /** Preference category, e.g. 'billing' or 'security'. */
  category: string;
  /** Requested channels, in preference order; empty means every channel the template supports. */
  channels: Array<Channel>;
  /** Urgency. */
  priority: Priority;
  /** Template variables. */
  data: Record<string, string>;
  /** Do not deliver before this instant (epoch millis). */
  scheduledFor: null | number;
  /** Do not deliver after this instant (epoch millis); expired notifications are suppressed. */
  expiresAt: null | number;
  /** When the upstream system made the request (epoch millis); end-to-end latency starts here. */
  requestedAt: number;
  /** When ingest accepted it (epoch millis). */
  acceptedAt: number;
  /** Key the request was deduplicated on. */
  idempotencyKey: string;
  /** Entry point. */
  source: IngestSource;
  /** Digest this notification with others of the same key (null: deliver it alone). */
  digest: null | DigestSpec;
}

/** A validated, deduplicated notification for one recipient (topic notify.accepted.v1). */
export interface NotificationAccepted {
  /** The notification. */
  notification: Notification;
}

/** Platform of a push device; it decides which push provider can deliver to its token. */
export type PushPlatform = 'IOS' | 'ANDROID' | 'WEB';
export const PushPlatformValues = ['IOS', 'ANDROID', 'WEB'] as const;

/** A push device token and the platform it belongs to. */
export interface PushDevice {
  /** Device token as the platform's push service issued it. */
  token: string;
  /** Platform of the device. */
  platform: PushPlatform;
}

/** Contact points and locale of the recipient, resolved by enrichment. */
export interface RecipientProfile {
  /** Email address. */
  email: null | string;
  /** Phone number in E.164. */
  phone: null | string;
  /** Push device tokens of unknown platform, tried after devices. */
  deviceTokens: Array<string>;
  /** Push devices with a known platform, preferred first; tried before deviceTokens. */
  devices: Array<PushDevice>;
  /** Webhook endpoint URL. */
  webhookUrl: null | string;
  /** BCP 47 locale, e.g. 'en-GB'. */
  locale: string;
  /** IANA time zone, e.g. 'Europe/Paris'. */
  timezone: string;
}

/** Template source for one channel, resolved through the locale fallback chain. */
export interface TemplateContent {
  /** Channel this variant is for. */
  channel: Channel;
  /** Locale actually resolved. */
  locale: string;
  /** Template version. */
  version: number;
  /** Subject template (email, push title). */
  subject: null | string;
  /** Body template (Handlebars). */
  body: string;
  /** HTML body template (email). */
  html: null | string;
}

/** A notification with the recipient profile and template sources attached (topic notify.enriched.v1). */
export interface NotificationEnriched {
  /** The notification. */
  notification: Notification;
  /** Recipient profile. */
  recipient: RecipientProfile;
  /** Template variants per channel. */
  content: Array<TemplateContent>;
}

/** A notification that passed preferences, quiet hours and caps, with the channels it may use (topic notify.filtered.v1). */
export interface NotificationFiltered {
  /** The notification. */
  notification: Notification;
  /** Recipient profile. */
  recipient: RecipientProfile;
  /** Template variants per channel. */
  content: Array<TemplateContent>;
  /** Channels allowed by the recipient's preferences, in request order. */
  allowedChannels: Array<Channel>;
}

/** A request from an upstream system to notify one or more recipients (topic notify.requests.v1). */
export interface NotificationRequest {
  /** Tenant the request belongs to. */
  tenantId: string;
  /** Caller-chosen key; a repeat with the same key is a duplicate and is not sent again. */
  idempotencyKey: string;
  /** User ids; the request fans out into one notification per recipient. */
  recipients: Array<string>;
  /** Template to render. */
  templateId: string;
  /** Preference category. */
  category: string;
  /** Requested channels in order; empty means all the template supports. */
  channels: Array<Channel>;
  /** Urgency. */
  priority: Priority;
  /** Template variables. */
  data: Record<string, string>;
  /** Do not deliver before this instant (epoch millis). */
  scheduledFor: null | number;
  /** Do not deliver after this instant (epoch millis). */
  expiresAt: null | number;
  /** When the request was made (epoch millis). */
  requestedAt: number;
  /** Broadcast topics: every subscriber is a recipient too; a user named twice gets one notification. */
  topics: Array<string>;
  /** Digest this notification with others of the same key (null: deliver it alone). */
  digest: null | DigestSpec;
}

/** Lifecycle state reported by a stage. OPENED, CLICKED, COMPLAINED and UNSUBSCRIBED are engagement: what the recipient did with a delivered message; they never replace its outcome. DIGESTED: the notification was collected into a digest (attribute digestId), which is delivered in its place. */
export type NotificationStatus = 'ACCEPTED' | 'SUPPRESSED' | 'DEFERRED' | 'ROUTED' | 'SENT' | 'DELIVERED' | 'BOUNCED' | 'FAILED' | 'DEAD_LETTERED' | 'OPENED' | 'CLICKED' | 'COMPLAINED' | 'UNSUBSCRIBED' | 'DIGESTED';
export const NotificationStatusValues = ['ACCEPTED', 'SUPPRESSED', 'DEFERRED', 'ROUTED', 'SENT', 'DELIVERED', 'BOUNCED', 'FAILED', 'DEAD_LETTERED', 'OPENED', 'CLICKED', 'COMPLAINED', 'UNSUBSCRIBED', 'DIGESTED'] as const;

/** A lifecycle event for a notification, from any stage (topic notify.status.v1, keyed by notification id). */
export interface NotificationStatusEvent {
  /** Notification id. */
  notificationId: string;
  /** Tenant. */
  tenantId: string;
  /** Recipient user id. */
  userId: string;
  /** New state. */
  status: NotificationStatus;
  /** Service that reported it, e.g. 'preference-filter'. */
  stage: string;
  /** Channel, for channel-specific events. */
  channel: null | Channel;
  /** Provider, for delivery events. */
  provider: null | string;
  /** Why: suppression reason, error, deferral cause. */
  reason: null | string;
  /** Provider's message id. */
  providerMessageId: null | string;
  /** When it happened (epoch millis). */
  occurredAt: number;
  /** Extra details, e.g. deferredUntil; a CLICKED event's link is under url, a BOUNCED event's hard or soft under bounce. */
  attributes: Record<string, string>;
}

/** Value type of each schema file, by file name. */
export interface SchemaValueTypes {
  'broadcast-expansion': BroadcastExpansion;
  'dispatch': Dispatch;
  'notification-accepted': NotificationAccepted;
  'notification-enriched': NotificationEnriched;
  'notification-filtered': NotificationFiltered;
  'notification-request': NotificationRequest;
  'notification-status': NotificationStatusEvent;
}
