import { DependencyUnavailableError, ErrorCodes, NotifyError, TransientError } from './errors.js';

/** What an error thrown by one library means for the pipeline, or undefined for an error it does not know. */
export type FailureClassifier = (err: Error) => NotifyError | undefined;

const classifiers: FailureClassifier[] = [];

/**
 * Teaches toFailure the errors of an infrastructure library (a database driver, a broker client).
 * Classifiers are asked in registration order, before the generic rules; registering one twice changes
 * nothing. Returns a function that removes it again.
 */
export function registerFailureClassifier(classify: FailureClassifier): () => void {
  if (!classifiers.includes(classify)) classifiers.push(classify);
  return () => {
    const at = classifiers.indexOf(classify);
    if (at >= 0) classifiers.splice(at, 1);
  };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * Turns anything thrown into a NotifyError. Unknown errors are treated as transient: retrying a bug is
 * bounded by the retry tiers and ends in the DLQ with the original message, so nothing is lost.
 */
export function toFailure(err: unknown): NotifyError {
  if (err instanceof NotifyError) return err;
  if (!(err instanceof Error)) return new TransientError(ErrorCodes.INTERNAL, typeof err === 'string' ? err : JSON.stringify(err));
  for (const classify of classifiers) {
    const failure = classify(err);
    if (failure !== undefined) return failure;
  }
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return new DependencyUnavailableError(err.message, { cause: err });
  return new TransientError(ErrorCodes.INTERNAL, err.message, { cause: err });
}
