import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from './mongo-errors.js';

interface WriteErrorLike {
  index: number;
  code?: number;
}

/**
 * Inserts documents in one unordered command; a document refused by a unique index (already there) is
 * not an error. Returns, per document, whether it was inserted. Any other write error is thrown.
 */
export async function insertOnce<T extends Document>(collection: Collection<T>, docs: readonly OptionalUnlessRequiredId<T>[]): Promise<boolean[]> {
  const inserted = docs.map(() => true);
  if (docs.length === 0) return inserted;
  try {
    // The driver adds an _id to documents without one; copies keep the caller's objects as they were.
    await collection.insertMany(
      docs.map((d) => ({ ...d })),
      { ordered: false },
    );
  } catch (err) {
    const writeErrors = bulkWriteErrors(err);
    if (!writeErrors) {
      if (docs.length === 1 && isDuplicateKeyError(err)) return [false];
      throw err;
    }
    for (const e of writeErrors) {
      if (e.code !== 11000) throw err;
      inserted[e.index] = false;
    }
  }
  return inserted;
}

function bulkWriteErrors(err: unknown): WriteErrorLike[] | undefined {
  const raw = (err as { writeErrors?: unknown })?.writeErrors;
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]) as WriteErrorLike[];
}
