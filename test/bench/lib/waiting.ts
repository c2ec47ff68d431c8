/** Thrown when a phase does not finish in time or its process dies under it. */
export class PhaseError extends Error {
  override name = 'PhaseError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `done` every `intervalMs` until it holds (returns the time it first did), the deadline passes, or
 * `aborted` returns a reason (e.g. the relay exited).
 */
export async function pollUntil(
  what: string,
  done: () => Promise<boolean> | boolean,
  { timeoutMs, intervalMs = 50, aborted = () => undefined }: { timeoutMs: number; intervalMs?: number; aborted?: () => string | undefined },
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return Date.now();
    const reason = aborted();
    if (reason) throw new PhaseError(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new PhaseError(`${what}: timed out after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** True once the process's /readyz answers 200. */
export async function isReady(adminPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export { sleep };
