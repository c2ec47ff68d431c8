const ATTEMPTS = 6;
const BASE_DELAY_MS = 50;

/** Broker answers that mean "the previous transaction is still completing; ask again shortly". */
const TRANSIENT = new Set([
  'CONCURRENT_TRANSACTIONS',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
]);
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

function errorTypes(err: unknown): string[] {
  const types: string[] = [];
  let e = err as { type?: string; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e.type) types.push(e.type);
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return types;
}

/** True when a newer producer with the same transactional id took over. */
export function isFenced(err: unknown): boolean {
  return errorTypes(err).some((t) => FENCED.has(t));
}

/**
 * Repeats a transaction step the broker refused only because the previous transaction was still completing
 * (kafkajs gives up on CONCURRENT_TRANSACTIONS after its own retries); anything else is thrown at once.
 */
export async function withTransactionRetry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= ATTEMPTS || !errorTypes(err).some((t) => TRANSIENT.has(t))) throw err;
      await new Promise((r) => setTimeout(r, BASE_DELAY_MS * 2 ** (attempt - 1)));
    }
  }
}
