import { ProviderError } from '@notify/runtime';

export interface DeadlineOptions {
  /** A deadline timer firing this much after it was due means the process was stalled, not the call. */
  stallMs?: number;
  /** What a call stalled past its deadline gets to finish in once the process runs again. */
  graceMs?: number;
}

const STALL_MS = 1_000; // one second
const GRACE_MS = 1_000; // one second

/**
 * Runs a provider call under a hard deadline: the signal is aborted and the call rejected with
 * ProviderError.timeout once `timeoutMs` has passed, whatever the client library does meanwhile.
 *
 * After a stall of the whole process (a long GC pause, a frozen VM or container), timers run before the
 * sockets are read, so the deadline would fire with the provider's answer already waiting: a call that was
 * accepted would be failed, and sent again. A deadline whose timer fires late therefore gives the call a
 * short grace to deliver what has arrived.
 */
export async function withDeadline<T>(
  provider: string,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
  options: DeadlineOptions = {},
): Promise<T> {
  const stallMs = options.stallMs ?? STALL_MS;
  const graceMs = Math.min(timeoutMs, options.graceMs ?? GRACE_MS);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    const expire = () => {
      const err = ProviderError.timeout(provider, timeoutMs);
      controller.abort(err);
      reject(err);
    };
    const due = performance.now() + timeoutMs;
    timer = setTimeout(() => {
      timer = performance.now() - due > stallMs ? setTimeout(expire, graceMs) : undefined;
      if (!timer) expire();
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

/**
 * The timeout to give an SDK that keeps its own timer: a minute past the deadline. The deadline, which
 * tolerates a stall of the process, decides; the SDK's timer, which does not, only ends a call the
 * deadline already gave up on.
 */
export function sdkTimeout(timeoutMs: number): number {
  return timeoutMs + 60_000; // one minute
}

/** The tighter of the per-call budget and the adapter's own ceiling. */
export function effectiveTimeout(callTimeoutMs: number, ceilingMs: number | undefined): number {
  return ceilingMs === undefined ? callTimeoutMs : Math.min(callTimeoutMs, ceilingMs);
}
