import type { Db } from 'mongodb';

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
] as const;

/** Estimated document counts of the growing collections. */
export async function collectionSizes(db: Db): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const name of GROWING_COLLECTIONS) sizes[name] = await db.collection(name).estimatedDocumentCount();
  return sizes;
}
