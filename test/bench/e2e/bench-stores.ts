import type { Db } from 'mongodb';

/**
 * The database the services use when the run has stores of its own: one fixed name, emptied (its
 * collections dropped) before and after each run. Never dropped whole: FerretDB 1.x on SQLite deletes
 * the database's files under open connections and can crash on its next access to them.
 */
export const BENCH_DATABASE = 'bench_e2e';

/** Drops every collection of `db` (indexes go with them; the services recreate theirs at start-up). */
export async function emptyDatabase(db: Db): Promise<void> {
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) await db.dropCollection(c.name);
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
