import type { Logger } from 'pino';
import { NotifyError } from './errors.js';

export interface StartupRetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULTS: StartupRetryOptions = {
  attempts: 8,
  baseDelayMs: 250, // doubled per attempt
  maxDelayMs: 5_000, // 5 s; eight attempts wait about 20 s in all
};

/**
 * Runs an idempotent start-up step (topic creation, schema registration) again when it fails for a reason
 * that can pass: replicas starting together race each other on a fresh cluster (the broker answers
 * UNKNOWN_TOPIC_OR_PARTITION for a topic another client has just created; a subject is seen between its
 * first registration and its compatibility setting). Errors that say they cannot be retried, and the
 * last failure, are thrown.
 */
export async function retryStartupStep<T>(step: string, op: () => Promise<T>, logger?: Logger, options: Partial<StartupRetryOptions> = {}): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs } = { ...DEFAULTS, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if ((err instanceof NotifyError && !err.canRetry) || attempt >= attempts) throw err;
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      logger?.warn({ step, attempt, delay, err: (err as Error).message }, 'start-up step failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
