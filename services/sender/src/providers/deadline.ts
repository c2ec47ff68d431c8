import { ProviderError } from '@notify/runtime';

/**
 * Runs a provider call under a hard deadline: the signal is aborted and the call rejected with
 * ProviderError.timeout once `timeoutMs` has passed, whatever the client library does meanwhile.
 */
export async function withDeadline<T>(
  provider: string,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = ProviderError.timeout(provider, timeoutMs);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const call = run(controller.signal);
  // A call that fails after the deadline has nobody left to tell.
  call.catch(() => undefined);
  try {
    return await Promise.race([call, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The tighter of the per-call budget and the adapter's own ceiling. */
export function effectiveTimeout(callTimeoutMs: number, ceilingMs: number | undefined): number {
  return ceilingMs === undefined ? callTimeoutMs : Math.min(callTimeoutMs, ceilingMs);
}
