import type { Logger } from 'pino';
import { NotifyError } from './errors.js';

export interface RetryStepOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULTS: RetryStepOptions = {
  attempts: 8,
  baseDelayMs: 250, // doubled per attempt
  maxDelayMs: 5_000, // 5 s; eight attempts wait about 20 s in all
};

/**
 * Runs an idempotent step again when it fails for a reason that can pass, with exponential backoff; errors
 * that say they cannot be retried, and the last failure, are thrown. Used for start-up steps that race
 * other replicas starting at the same moment (the broker answers UNKNOWN_TOPIC_OR_PARTITION for a topic
 * another client has just created; a subject is seen between its first registration and its compatibility
 * setting), and for writes that must ride out a short store restart.
 */
export async function retryStep<T>(step: string, op: () => Promise<T>, logger?: Logger, options: Partial<RetryStepOptions> = {}): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs } = { ...DEFAULTS, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if ((err instanceof NotifyError && !err.canRetry) || attempt >= attempts) throw err;
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      logger?.warn({ step, attempt, delay, err: (err as Error).message }, 'step failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
