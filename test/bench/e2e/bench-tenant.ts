import { recipientKey, type NotificationRequest } from '@notify/schemas';
import { ApiKeyRepository, Collections, TenantRepository, type RecipientDoc } from '@notify/stores';
import type { Db } from 'mongodb';

export const TEMPLATE_ID = 'bench';
export const CATEGORY = 'account';
/** The provider sees `ref` in the subject: how an emulated send is matched to its request. */
const SUBJECT_PREFIX = 'Bench ';

export interface BenchTenant {
  tenantId: string;
  apiKey: string;
  userIds: string[];
}

const SETUP_ATTEMPTS = 8;

/** Setup writes retried with backoff: the store may be busy with a pipeline that just started. */
async function retrying<T>(what: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= SETUP_ATTEMPTS) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

/** A tenant with an API key that is never rate limited, `recipients` email recipients and one template. */
export async function createBenchTenant(
  db: Db,
  ingestUrl: string,
  tenantId: string,
  recipients: number,
): Promise<BenchTenant> {
  await retrying('creating the tenant', () =>
    new TenantRepository(db).upsert({ tenantId, name: 'Benchmark', defaultLocale: 'en' }),
  );
  const apiKey = (
    await retrying('creating the API key', () =>
      new ApiKeyRepository(db).create({ tenantId, rateLimitPerMinute: 100_000_000 }),
    )
  ).key;
  const userIds = Array.from({ length: recipients }, (_, i) => `u${i}`);
  // One write for all of them: the tenant is new, so there is nothing to update or invalidate.
  const docs: RecipientDoc[] = userIds.map((userId) => ({
    tenantId,
    userId,
    email: `${userId}@bench.example.com`,
    deviceTokens: [],
    devices: [],
    locale: 'en',
    timezone: 'UTC',
    updatedAt: new Date(),
  }));
  const collection = db.collection<RecipientDoc>(Collections.recipients);
  await retrying('creating the recipients', async () => {
    const existing = new Set(
      (await collection.find({ tenantId }, { projection: { userId: 1 } }).toArray()).map((d) => d.userId),
    );
    const missing = docs.filter((d) => !existing.has(d.userId)).map((d) => ({ ...d }));
    if (missing.length) await collection.insertMany(missing);
  });
  await retrying('creating the template', async () => {
    const res = await fetch(`${ingestUrl}/v1/templates/${TEMPLATE_ID}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        channel: 'EMAIL',
        locale: 'en',
        subject: `${SUBJECT_PREFIX}{{ref}}`,
        body: 'Hello {{ref}}, this is a benchmark.',
      }),
    });
    if (res.status !== 201) throw new Error(`answered ${res.status}: ${await res.text()}`);
  });
  return { tenantId, apiKey, userIds };
}

/** The ref a provider-side subject carries, or undefined for mail that is not the benchmark's. */
export function refOfSubject(subject: string | undefined): string | undefined {
  return subject?.startsWith(SUBJECT_PREFIX) ? subject.slice(SUBJECT_PREFIX.length) : undefined;
}

/** One REST request body: one recipient, email only. */
export function restRequest(t: BenchTenant, ref: string, index: number): Record<string, unknown> {
  return {
    idempotencyKey: ref,
    recipients: [t.userIds[index % t.userIds.length]],
    templateId: TEMPLATE_ID,
    category: CATEGORY,
    channels: ['EMAIL'],
    data: { ref },
  };
}

/** One Kafka request (notify.requests.v1), keyed by its recipient. */
export function kafkaRequest(
  t: BenchTenant,
  ref: string,
  index: number,
  requestedAt: number,
): { key: string; value: NotificationRequest } {
  const userId = t.userIds[index % t.userIds.length]!;
  return {
    key: recipientKey({ tenantId: t.tenantId, userId }),
    value: {
      tenantId: t.tenantId,
      idempotencyKey: ref,
      recipients: [userId],
      templateId: TEMPLATE_ID,
      category: CATEGORY,
      channels: ['EMAIL'],
      priority: 'NORMAL',
      data: { ref },
      scheduledFor: null,
      expiresAt: null,
      requestedAt,
      topics: [],
      digest: null,
    },
  };
}
