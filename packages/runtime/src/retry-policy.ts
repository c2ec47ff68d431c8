import type { NotifyError } from './errors.js';

export type RetryStep =
  /** `keepsAttempt`: the failure did not count, so the retry is the same attempt again. */
  | { kind: 'retry'; tier: number; dueAt: number; keepsAttempt?: true }
  | { kind: 'dead-letter' };

/**
 * Where a failed record goes next. `attempt` counts attempts made so far (1 after the first failure).
 * Tier n (1-based) waits delays[n-1], or longer when the error asks for it (Retry-After). A failure that
 * spends no attempt goes to the first tier, however many attempts were made.
 */
export function nextRetryStep(delaysMs: readonly number[], attempt: number, error: NotifyError, now: number): RetryStep {
  if (error.canRetry && !error.spendsAttempt && delaysMs.length > 0) {
    return { kind: 'retry', tier: 1, dueAt: now + Math.max(delaysMs[0]!, error.retryAfterMs ?? 0), keepsAttempt: true };
  }
  if (!error.canRetry || attempt > delaysMs.length) return { kind: 'dead-letter' };
  const tier = attempt;
  const delay = Math.max(delaysMs[tier - 1]!, error.retryAfterMs ?? 0);
  return { kind: 'retry', tier, dueAt: now + delay };
}
