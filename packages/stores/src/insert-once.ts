import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from './mongo-errors.js';

interface WriteErrorLike {
  index: number;
  code?: number;
}

/**
 * The positions of an unordered insertMany that a unique index refused (the document is already there);
 * the error itself is thrown again when anything else went wrong.
 *
 * MongoDB and FerretDB report one write error per refused document, as an array or (one error) a single
 * object. A connection lost in the middle of the command also arrives as a bulk write error, but with no
 * write errors at all: that is a failed write, never "every document inserted".
 */
export function refusedDuplicates(err: unknown, attempted: number): Set<number> {
  const raw = (err as { writeErrors?: WriteErrorLike | WriteErrorLike[] } | null)?.writeErrors;
  const writeErrors = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (writeErrors.length === 0) {
    // Without per-document errors a duplicate can only be pinned down when one document was sent.
    if (attempted === 1 && isDuplicateKeyError(err)) return new Set([0]);
    throw err;
  }
  if (writeErrors.some((w) => !isDuplicateKeyError(w))) throw err;
  return new Set(writeErrors.map((w) => w.index));
}

/**
 * Inserts documents in one unordered command; a document refused by a unique index (already there) is
 * not an error. Returns, per document, whether it was inserted. Any other failure is thrown.
 */
export async function insertOnce<T extends Document>(collection: Collection<T>, docs: readonly OptionalUnlessRequiredId<T>[]): Promise<boolean[]> {
  if (docs.length === 0) return [];
  let refused = new Set<number>();
  try {
    // The driver adds an _id to documents without one; copies keep the caller's objects as they were.
    await collection.insertMany(
      docs.map((d) => ({ ...d })),
      { ordered: false },
    );
  } catch (err) {
    refused = refusedDuplicates(err, docs.length);
  }
  return docs.map((_, i) => !refused.has(i));
}
