import type { Db } from 'mongodb';

/**
 * The database the services use when the run has stores of its own: one fixed name, emptied before and
 * after each run.
 */
export const BENCH_DATABASE = 'bench_e2e';

/**
 * Deletes every document of `db`, keeping collections and indexes (the services ensure theirs at start-up
 * anyway). Not dropCollection: mongo-java-server refuses to drop a collection with some secondary indexes.
 */
export async function emptyDatabase(db: Db): Promise<void> {
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) await db.collection(c.name).deleteMany({});
}

/** The same MongoDB server with another database: the URI's path names it. */
export function withDatabase(mongoUri: string, database: string): string {
  const url = new URL(mongoUri);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The same Redis server with another logical database (the URI's path is its index). */
export function withRedisDb(redisUrl: string, index: number): string {
  const url = new URL(redisUrl);
  url.pathname = `/${index}`;
  return url.toString();
}

/** Collections that grow with every notification, and that the pipeline updates or looks up by key. */
export const GROWING_COLLECTIONS = [
  'idempotency_keys',
  'notifications',
  'notification_events',
  'deliveries',
  'provider_messages',
] as const;

/** Estimated document counts of the growing collections. */
export async function collectionSizes(db: Db): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const name of GROWING_COLLECTIONS) sizes[name] = await db.collection(name).estimatedDocumentCount();
  return sizes;
}
