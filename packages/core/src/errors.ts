/**
 * One error tree for the whole pipeline. Every error carries a stable `code` and says whether retrying
 * can help (`canRetry`); the runtime routes on these, never on message text.
 */
export const ErrorCodes = {
  /** Input failed validation (bad payload, missing field). */
  VALIDATION: 'VALIDATION',
  /** Bytes could not be decoded: wrong magic byte, unknown schema id, corrupt Avro. */
  DESERIALIZATION: 'DESERIALIZATION',
  /** A referenced entity (recipient, template, tenant) does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The provider refused the message for good (4xx other than 408/429). */
  PROVIDER_REJECTED: 'PROVIDER_REJECTED',
  /** The provider failed in a way that may pass (5xx, 408, network error). */
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  /** The provider asked us to slow down (429). */
  PROVIDER_RATE_LIMITED: 'PROVIDER_RATE_LIMITED',
  /** The provider did not answer in time. */
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  /** The provider's circuit breaker is open. */
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  /** A store or broker we depend on is unreachable. */
  DEPENDENCY_UNAVAILABLE: 'DEPENDENCY_UNAVAILABLE',
  /** Configuration is invalid. */
  CONFIG: 'CONFIG',
  /** Anything not classified above. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface NotifyErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  /** For transient errors: the earliest useful retry, e.g. from a Retry-After header. */
  retryAfterMs?: number;
  /**
   * For transient errors: false when the record was not tried at all (its work is in flight elsewhere),
   * so the retry does not count against the record's attempts and cannot dead-letter it.
   */
  spendsAttempt?: boolean;
}

export class NotifyError extends Error {
  readonly code: ErrorCode;
  readonly canRetry: boolean;
  readonly details: Record<string, unknown>;
  readonly retryAfterMs?: number;
  readonly spendsAttempt: boolean;

  constructor(code: ErrorCode, message: string, canRetry: boolean, options: NotifyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.canRetry = canRetry;
    this.details = options.details ?? {};
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.spendsAttempt = options.spendsAttempt ?? true;
  }
}

/** A failure retrying cannot fix: goes straight to the dead-letter topic. */
export class PermanentError extends NotifyError {
  constructor(code: ErrorCode, message: string, options?: NotifyErrorOptions) {
    super(code, message, false, options);
  }
}

/** A failure that may pass: goes through the retry tiers, then the dead-letter topic. */
export class TransientError extends NotifyError {
  constructor(code: ErrorCode, message: string, options?: NotifyErrorOptions) {
    super(code, message, true, options);
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends PermanentError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], message = `invalid input: ${issues.map((i) => i.path || '(root)').join(', ')}`) {
    super(ErrorCodes.VALIDATION, message, { details: { issues } });
    this.issues = issues;
  }
}

export class DeserializationError extends PermanentError {
  constructor(message: string, options?: NotifyErrorOptions) {
    super(ErrorCodes.DESERIALIZATION, message, options);
  }
}

export class NotFoundError extends PermanentError {
  constructor(what: string, id: string) {
    super(ErrorCodes.NOT_FOUND, `${what} ${id} not found`, { details: { what, id } });
  }
}

export class ConfigError extends PermanentError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(ErrorCodes.CONFIG, `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export class DependencyUnavailableError extends TransientError {
  constructor(dependency: string, options?: NotifyErrorOptions) {
    super(ErrorCodes.DEPENDENCY_UNAVAILABLE, `${dependency} unavailable`, options);
  }
}

/**
 * A provider call failed. Classified from the HTTP status (or its absence): 429 → rate limited,
 * 408/5xx/network → unavailable, other 4xx → rejected (permanent).
 */
export class ProviderError extends NotifyError {
  readonly provider: string;
  readonly status?: number;

  constructor(
    provider: string,
    code: ErrorCode,
    message: string,
    canRetry: boolean,
    options: NotifyErrorOptions & { status?: number } = {},
  ) {
    super(code, message, canRetry, options);
    this.provider = provider;
    if (options.status !== undefined) this.status = options.status;
  }

  static fromStatus(provider: string, status: number, message: string, options: NotifyErrorOptions = {}): ProviderError {
    if (status === 429)
      return new ProviderError(provider, ErrorCodes.PROVIDER_RATE_LIMITED, message, true, { ...options, status });
    if (status === 408 || status >= 500)
      return new ProviderError(provider, ErrorCodes.PROVIDER_UNAVAILABLE, message, true, { ...options, status });
    return new ProviderError(provider, ErrorCodes.PROVIDER_REJECTED, message, false, { ...options, status });
  }

  static timeout(provider: string, ms: number, cause?: unknown): ProviderError {
    return new ProviderError(provider, ErrorCodes.PROVIDER_TIMEOUT, `${provider} did not answer within ${ms} ms`, true, {
      cause,
    });
  }

  static network(provider: string, cause: unknown): ProviderError {
    const msg = cause instanceof Error ? cause.message : String(cause);
    return new ProviderError(provider, ErrorCodes.PROVIDER_UNAVAILABLE, `${provider} unreachable: ${msg}`, true, { cause });
  }
}

export class CircuitOpenError extends TransientError {
  constructor(provider: string, retryAfterMs?: number) {
    super(ErrorCodes.CIRCUIT_OPEN, `circuit for ${provider} is open`, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
}
