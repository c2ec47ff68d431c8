import type { Logger } from 'pino';

const ATTEMPTS = 6;
const BASE_DELAY_MS = 50;

/** Broker answers that mean "the previous transaction is still completing; ask again shortly". */
const TRANSIENT_TXN_TYPES = new Set(['CONCURRENT_TRANSACTIONS', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE']);
/** A newer producer with the same transactional id took over. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/** The kafkajs error types along an error's cause chain (kafkajs wraps retried errors). */
function errorTypes(err: unknown): string[] {
  const types: string[] = [];
  let e = err as { type?: string; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e.type) types.push(e.type);
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return types;
}

/** The group coordinator refused offsets committed under a group generation that is over. */
const GENERATION_REFUSED_TYPES = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

export function isFenced(err: unknown): boolean {
  return errorTypes(err).some((t) => FENCED_TYPES.has(t));
}

export function isGenerationRefused(err: unknown): boolean {
  return errorTypes(err).some((t) => GENERATION_REFUSED_TYPES.has(t));
}

/**
 * kafkajs surfaces CONCURRENT_TRANSACTIONS from AddOffsetsToTxn/EndTxn right after a commit, once its own
 * retries are spent. The operation is safe to repeat within the same transaction, so repeat it a bounded
 * number of times with exponential backoff; anything else, or running out, is thrown to abort the slice.
 */
export async function withTransactionRetry<T>(op: () => Promise<T>, logger?: Logger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      const transient = errorTypes(err).find((t) => TRANSIENT_TXN_TYPES.has(t));
      if (!transient || attempt >= ATTEMPTS) throw err;
      const delay = BASE_DELAY_MS * 2 ** (attempt - 1);
      logger?.debug({ type: transient, attempt, delay }, 'transaction operation refused; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
