import type { Collection, Db, Document, IndexSpecification } from 'mongodb';
import { Collections } from './documents.js';
import { serverProfile } from './server-profile.js';
import type { TtlIndexSpec } from './ttl-sweeper.js';

export interface IndexSpec {
  collection: string;
  name: string;
  key: IndexSpecification;
  unique?: boolean;
}

export interface RetentionOptions {
  /** How long in-app inbox messages are kept. */
  inboxDays?: number;
  /** How long audit log entries are kept. */
  auditLogDays?: number;
}

const DAY_SECONDS = 24 * 60 * 60;
const DEFAULT_RETENTION: Required<RetentionOptions> = {
  inboxDays: 90,
  auditLogDays: 365,
};

/** Every non-TTL index the stores rely on. */
export const INDEXES: readonly IndexSpec[] = [
  {
    collection: Collections.recipients,
    name: 'recipients_tenant_user',
    key: { tenantId: 1, userId: 1 },
    unique: true,
  },
  {
    collection: Collections.preferences,
    name: 'preferences_tenant_user',
    key: { tenantId: 1, userId: 1 },
    unique: true,
  },
  {
    collection: Collections.templates,
    name: 'templates_tenant_template_channel_locale_version',
    key: { tenantId: 1, templateId: 1, channel: 1, locale: 1, version: 1 },
    unique: true,
  },
  { collection: Collections.apiKeys, name: 'api_keys_secret_hash', key: { secretHash: 1 }, unique: true },
  { collection: Collections.apiKeys, name: 'api_keys_tenant', key: { tenantId: 1 } },
  { collection: Collections.scheduled, name: 'scheduled_due_state', key: { dueAt: 1, state: 1 } },
  {
    collection: Collections.notifications,
    name: 'notifications_tenant_user_created',
    key: { tenantId: 1, userId: 1, createdAt: -1 },
  },
  {
    collection: Collections.notificationEvents,
    name: 'notification_events_notification',
    key: { notificationId: 1, occurredAt: 1 },
  },
  {
    collection: Collections.inbox,
    name: 'inbox_tenant_user_created',
    key: { tenantId: 1, userId: 1, createdAt: -1 },
  },
  { collection: Collections.auditLog, name: 'audit_log_tenant_at', key: { tenantId: 1, at: -1 } },
];

/**
 * Creates the INDEXES of the collection named `declaredAs` on `collection`, for a repository that ensures
 * its own indexes; a test's collection may be named otherwise. Idempotent.
 */
export async function ensureCollectionIndexes<T extends Document>(collection: Collection<T>, declaredAs: string): Promise<void> {
  for (const spec of INDEXES) if (spec.collection === declaredAs) await createIndex(collection, spec);
}

async function createIndex<T extends Document>(collection: Collection<T>, spec: IndexSpec): Promise<void> {
  await collection.createIndex(spec.key, { name: spec.name, unique: spec.unique ?? false });
}

/** Indexes that expire documents, with the retention applied. */
export function ttlIndexSpecs(retention: RetentionOptions = {}): TtlIndexSpec[] {
  const r = { ...DEFAULT_RETENTION, ...retention };
  return [
    // Each idempotency document carries its own expiry instant.
    {
      collection: Collections.idempotency,
      name: 'idempotency_keys_ttl',
      field: 'expiresAt',
      expireAfterSeconds: 0,
    },
    // So does each lease, a day after it has run out.
    {
      collection: Collections.leases,
      name: 'leases_ttl',
      field: 'expiresAt',
      expireAfterSeconds: 0,
    },
    // Digest windows and their bookkeeping, each document with its own expiry; heads never expire (DigestHeadDoc).
    ...[Collections.digestWindows, Collections.digestItems, Collections.digestCloses].map((collection) => ({
      collection,
      name: `${collection}_ttl`,
      field: 'expiresAt',
      expireAfterSeconds: 0,
    })),
    {
      collection: Collections.auditLog,
      name: 'audit_log_ttl',
      field: 'at',
      expireAfterSeconds: r.auditLogDays * DAY_SECONDS,
    },
    {
      collection: Collections.inbox,
      name: 'inbox_ttl',
      field: 'createdAt',
      expireAfterSeconds: r.inboxDays * DAY_SECONDS,
    },
  ];
}

export interface TtlFallback {
  spec: TtlIndexSpec;
  /** Why the server does not expire these documents by itself. */
  reason: string;
}

export interface EnsureIndexesReport {
  /** `collection.name` of every index ensured, TTL ones included. */
  ensured: string[];
  /** TTL indexes the server does not enforce; their expiry must be enforced by a TtlSweeper. */
  ttlFallbacks: TtlFallback[];
}

/**
 * Creates every collection's indexes. Idempotent: safe on every start-up of every service. Where the
 * server does not expire TTL indexes (see serverProfile), each is replaced by a plain index on the same
 * field, for the sweeper's range deletes, and reported in `ttlFallbacks`.
 */
export async function ensureIndexes(db: Db, retention: RetentionOptions = {}): Promise<EnsureIndexesReport> {
  const report: EnsureIndexesReport = { ensured: [], ttlFallbacks: [] };
  for (const spec of INDEXES) {
    await createIndex(db.collection(spec.collection), spec);
    report.ensured.push(`${spec.collection}.${spec.name}`);
  }
  const server = await serverProfile(db);
  for (const spec of ttlIndexSpecs(retention)) {
    const collection = db.collection(spec.collection);
    if (server.expiresTtlIndexes) {
      await collection.createIndex({ [spec.field]: 1 }, { name: spec.name, expireAfterSeconds: spec.expireAfterSeconds });
      report.ensured.push(`${spec.collection}.${spec.name}`);
    } else {
      const sweepIndex = `${spec.name}_sweep`;
      await collection.createIndex({ [spec.field]: 1 }, { name: sweepIndex });
      report.ensured.push(`${spec.collection}.${sweepIndex}`);
      report.ttlFallbacks.push({ spec, reason: `${server.kind} ${server.version} does not expire TTL indexes` });
    }
  }
  return report;
}
