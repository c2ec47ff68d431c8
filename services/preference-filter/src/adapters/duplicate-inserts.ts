const DUPLICATE_KEY = 11000;

interface WriteErrorLike {
  index: number;
  code: number;
}

/**
 * The positions of an unordered insertMany that a unique index refused; the error itself is thrown
 * again when anything else went wrong. Both MongoDB and FerretDB report one write error per refused
 * document, as an array or (one error) a single object.
 */
export function refusedDuplicates(err: unknown, attempted: number): Set<number> {
  const raw = (err as { writeErrors?: WriteErrorLike | WriteErrorLike[] } | null)?.writeErrors;
  if (raw === undefined) {
    // Without per-document errors a duplicate can only be pinned down when one document was sent.
    if (attempted === 1 && (err as { code?: unknown } | null)?.code === DUPLICATE_KEY) return new Set([0]);
    throw err;
  }
  const writeErrors = Array.isArray(raw) ? raw : [raw];
  if (writeErrors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
  return new Set(writeErrors.map((w) => w.index));
}
