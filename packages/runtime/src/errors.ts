import { registerDriverFailureClassifiers } from './failure-classifiers.js';

// Whatever classifies failures through the runtime knows the MongoDB, Redis and kafkajs errors.
registerDriverFailureClassifiers();

export {
  CircuitOpenError,
  ConfigError,
  DependencyUnavailableError,
  DeserializationError,
  ErrorCodes,
  NotFoundError,
  NotifyError,
  PermanentError,
  ProviderError,
  toFailure,
  TransientError,
  ValidationError,
  type ErrorCode,
  type FieldIssue,
  type NotifyErrorOptions,
} from '@notify/core';
