import { DependencyUnavailableError, ErrorCodes, PermanentError, registerFailureClassifier, toFailure, type FailureClassifier } from '@notify/core';

type DriverError = Error & { retriable?: boolean; errorLabels?: string[]; writeErrors?: unknown; errorResponse?: unknown };

/** MongoDB errors carry labels; a lost server is an unavailable store. */
export const mongoFailure: FailureClassifier = (err) => {
  const e = err as DriverError;
  // The MongoDB driver wraps any failure of a bulk write (a connection lost mid-command too) in a
  // MongoBulkWriteError; without per-document errors the failure is the wrapped one.
  if (e.name === 'MongoBulkWriteError' && Array.isArray(e.writeErrors) && e.writeErrors.length === 0 && e.errorResponse instanceof Error) {
    return toFailure(e.errorResponse);
  }
  if (e.name === 'MongoNetworkError' || e.name === 'MongoServerSelectionError' || e.errorLabels?.includes('RetryableWriteError')) {
    return new DependencyUnavailableError(`MongoDB: ${e.message}`, { cause: err });
  }
  return undefined;
};

/** kafkajs errors say whether they are retriable. */
export const kafkaFailure: FailureClassifier = (err) => {
  const e = err as DriverError;
  if (e.retriable === false && e.name.startsWith('KafkaJS')) return new PermanentError(ErrorCodes.INTERNAL, e.message, { cause: err });
  return undefined;
};

/** ioredis gave up on a command while reconnecting. */
export const redisFailure: FailureClassifier = (err) =>
  err.name === 'MaxRetriesPerRequestError' ? new DependencyUnavailableError(`Redis: ${err.message}`, { cause: err }) : undefined;

/** Teaches toFailure the errors of the drivers the runtime connects with. Safe to call more than once. */
export function registerDriverFailureClassifiers(): void {
  for (const classify of [mongoFailure, kafkaFailure, redisFailure]) registerFailureClassifier(classify);
}
