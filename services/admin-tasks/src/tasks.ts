import { AvroSerde, createKafka, createLogger, ensureTopics, retryStep, schemaRegistryAuth, topicConfigs, type RuntimeEnv } from '@notify/runtime';
import { allTopics } from '@notify/schemas';
import { ApiKeyRepository, ensureIndexes, TenantRepository } from '@notify/stores';
import { MongoClient } from 'mongodb';

/** Every pipeline topic is consumed by some stage, so each gets its retry tiers and DLQ. */
export async function createTopics(env: RuntimeEnv): Promise<string[]> {
  const logger = createLogger('admin-tasks', env.LOG_LEVEL);
  const kafka = createKafka(env, 'notify-admin', logger);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = allTopics().flatMap((t) => topicConfigs(t, env.RETRY_DELAYS_MS.length, true));
    return await retryStep('create topics', () => ensureTopics(admin, wanted), logger);
  } finally {
    await admin.disconnect();
  }
}

export async function registerSchemas(env: RuntimeEnv): Promise<string[]> {
  const serde = new AvroSerde({ url: env.SCHEMA_REGISTRY_URL, ...schemaRegistryAuth(env) });
  await retryStep('register schemas', () => serde.prepareOutputs(allTopics(), true));
  return allTopics().map((t) => `${t.name}-value`);
}

export async function withMongo<T>(uri: string, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export async function createIndexes(uri: string) {
  return withMongo(uri, (client) => ensureIndexes(client.db()));
}

/** Creates (or keeps) a tenant and issues a new API key for it; the key is printed once. */
export async function bootstrapTenant(uri: string, tenantId: string, name: string, scopes: string[], rateLimitPerMinute: number) {
  return withMongo(uri, async (client) => {
    const db = client.db();
    await new TenantRepository(db).upsert({ tenantId, name, defaultLocale: 'en' });
    return new ApiKeyRepository(db).create({ tenantId, scopes, rateLimitPerMinute });
  });
}
