import type { Settled } from './domain/ports.js';

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A batch call's answers, or its one failure as the answer for each of the `n` it was asked about. */
export async function settledAll<T>(n: number, call: () => Promise<Array<Settled<T>>>): Promise<Array<Settled<T>>> {
  if (n === 0) return [];
  try {
    return await call();
  } catch (err) {
    return new Array<Settled<T>>(n).fill(asError(err));
  }
}
