import type { IngestSource, Notification, NotificationStatusEvent } from '@notify/schemas';
import { NotFoundError, ValidationError } from '@notify/runtime';
import { fanOut } from './fan-out.js';
import { requestHash } from './request-hash.js';
import { parseNotificationRequest } from './request-schema.js';

/** What a client is told when its request is accepted, and told again when it repeats it. */
export interface AcceptedResponse {
  idempotencyKey: string;
  acceptedAt: number;
  notifications: Array<{ userId: string; notificationId: string }>;
}

/** Outcome of claiming an idempotency key; see IdempotencyRepository in @notify/stores. */
export type IdempotencyClaim = 'claimed' | 'in-flight' | 'mismatch' | { existing: AcceptedResponse };

export interface TenantDirectory {
  exists(tenantId: string): Promise<boolean>;
}

export interface RecipientDirectory {
  /** The known recipients among userIds, in one lookup; unknown ones are absent. */
  getMany(tenantId: string, userIds: readonly string[]): Promise<ReadonlyMap<string, unknown>>;
}

export interface TemplateCatalog {
  /** The template's variants; empty when it does not exist. */
  findForNotification(tenantId: string, templateId: string): Promise<readonly unknown[]>;
}

export interface IdempotencyClaims {
  claim(tenantId: string, key: string, requestHash: string): Promise<IdempotencyClaim>;
}

/** What accepting a request needs from the outside. Store failures propagate as thrown errors. */
export interface AcceptPorts {
  tenants: TenantDirectory;
  recipients: RecipientDirectory;
  templates: TemplateCatalog;
  idempotency: IdempotencyClaims;
  /** Epoch millis. */
  now?: () => number;
}

export interface AcceptCommand {
  /** REST body or decoded Kafka NotificationRequest. */
  body: unknown;
  source: IngestSource;
  /** The authenticated tenant (REST). */
  tenantId?: string;
  /** Idempotency key for a request without one, e.g. derived from its Kafka topic, partition and offset. */
  newIdempotencyKey?: () => string;
}

export interface MissingReferences {
  tenantId?: string;
  templateId?: string;
  userIds: string[];
}

const LISTED_IN_MESSAGE = 10;

function describeMissing(missing: MissingReferences): string {
  const parts: string[] = [];
  if (missing.tenantId !== undefined) parts.push(`tenant ${missing.tenantId}`);
  if (missing.templateId !== undefined) parts.push(`template ${missing.templateId}`);
  if (missing.userIds.length > 0) {
    const shown = missing.userIds.slice(0, LISTED_IN_MESSAGE).join(', ');
    const more = missing.userIds.length - LISTED_IN_MESSAGE;
    parts.push(`recipients ${shown}${more > 0 ? ` and ${more} more` : ''}`);
  }
  return `${parts.join('; ')} not found`;
}

/** The tenant, template or recipients a request names do not exist; `missing` lists them all. */
export class MissingReferencesError extends NotFoundError {
  readonly missing: MissingReferences;

  constructor(missing: MissingReferences) {
    const what =
      missing.tenantId !== undefined
        ? 'tenant'
        : missing.templateId !== undefined
          ? 'template'
          : 'recipients';
    super(what, missing.tenantId ?? missing.templateId ?? missing.userIds.join(','));
    this.message = describeMissing(missing);
    this.missing = missing;
    this.details.missing = missing;
  }
}

/** The idempotency key was already used for a different request. */
export class IdempotencyKeyReusedError extends ValidationError {
  constructor() {
    super([{ path: 'idempotencyKey', message: 'was already used for a different request' }]);
  }
}

export type AcceptOutcome =
  /** Publish `notifications` and `statusEvents`, then record `response` as the key's response. */
  | {
      kind: 'accepted';
      notifications: Notification[];
      statusEvents: NotificationStatusEvent[];
      response: AcceptedResponse;
    }
  /** Already accepted earlier: answer with the first response, publish nothing. */
  | { kind: 'duplicate'; response: AcceptedResponse }
  /** The same request is being accepted elsewhere right now: retry later. */
  | { kind: 'in-flight'; tenantId: string; idempotencyKey: string }
  | { kind: 'rejected'; error: ValidationError | NotFoundError };

export const INGEST_STAGE = 'ingest';

function acceptedEvent(notification: Notification): NotificationStatusEvent {
  return {
    notificationId: notification.notificationId,
    tenantId: notification.tenantId,
    userId: notification.userId,
    status: 'ACCEPTED',
    stage: INGEST_STAGE,
    channel: null,
    provider: null,
    reason: null,
    providerMessageId: null,
    occurredAt: notification.acceptedAt,
    attributes: { source: notification.source },
  };
}

/**
 * Accepts a notification request from REST or Kafka: validates it, checks that the tenant, template
 * and every recipient exist, claims the idempotency key, and fans the request out into one
 * notification per recipient. The caller publishes the result and then completes the key.
 */
export async function acceptNotification(ports: AcceptPorts, command: AcceptCommand): Promise<AcceptOutcome> {
  const now = (ports.now ?? Date.now)();
  let request;
  try {
    request = parseNotificationRequest(command.body, {
      now,
      ...(command.tenantId === undefined ? {} : { tenantId: command.tenantId }),
      ...(command.newIdempotencyKey === undefined ? {} : { newIdempotencyKey: command.newIdempotencyKey }),
    });
  } catch (err) {
    if (err instanceof ValidationError) return { kind: 'rejected', error: err };
    throw err;
  }
  const { tenantId, templateId, idempotencyKey } = request;

  if (!(await ports.tenants.exists(tenantId))) {
    return { kind: 'rejected', error: new MissingReferencesError({ tenantId, userIds: [] }) };
  }
  const [variants, known] = await Promise.all([
    ports.templates.findForNotification(tenantId, templateId),
    ports.recipients.getMany(tenantId, request.recipients),
  ]);
  const missingUsers = request.recipients.filter((userId) => !known.has(userId));
  if (variants.length === 0 || missingUsers.length > 0) {
    const missing: MissingReferences = { userIds: missingUsers };
    if (variants.length === 0) missing.templateId = templateId;
    return { kind: 'rejected', error: new MissingReferencesError(missing) };
  }

  const claim = await ports.idempotency.claim(tenantId, idempotencyKey, requestHash(request));
  if (claim === 'in-flight') return { kind: 'in-flight', tenantId, idempotencyKey };
  if (claim === 'mismatch') return { kind: 'rejected', error: new IdempotencyKeyReusedError() };
  if (claim !== 'claimed') return { kind: 'duplicate', response: claim.existing };

  const notifications = fanOut(request, { acceptedAt: now, source: command.source });
  return {
    kind: 'accepted',
    notifications,
    statusEvents: notifications.map(acceptedEvent),
    response: {
      idempotencyKey,
      acceptedAt: now,
      notifications: notifications.map((n) => ({ userId: n.userId, notificationId: n.notificationId })),
    },
  };
}
