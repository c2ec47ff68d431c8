import type { NotifyError } from './errors.js';

export type RetryStep =
  | { kind: 'retry'; tier: number; dueAt: number }
  | { kind: 'dead-letter' };

/**
 * Where a failed record goes next. `attempt` counts attempts made so far (1 after the first failure).
 * Tier n (1-based) waits delays[n-1], or longer when the error asks for it (Retry-After).
 */
export function nextRetryStep(delaysMs: readonly number[], attempt: number, error: NotifyError, now: number): RetryStep {
  if (!error.canRetry || attempt > delaysMs.length) return { kind: 'dead-letter' };
  const tier = attempt;
  const delay = Math.max(delaysMs[tier - 1]!, error.retryAfterMs ?? 0);
  return { kind: 'retry', tier, dueAt: now + delay };
}
