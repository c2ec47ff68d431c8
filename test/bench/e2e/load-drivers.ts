import type { AcceptanceTracker, PhaseTally } from './acceptance-tracker.js';
import type { IntakeTally, LoadTarget } from './load-targets.js';
import { sleep } from '../lib/waiting.js';

const IDLE_MS = 5;
/** A closed-loop call waits until at least this many notifications fit in the window. */
const MIN_CALL = 10;
const TICK_MS = 50;
/** Open-loop calls in flight at most; past it the generator falls behind and says so by its achieved rate. */
const MAX_OPEN_CALLS = 64;

export interface ClosedLoopOptions {
  durationMs: number;
  /** Notifications in flight (sent, not yet accepted by the provider) the clients keep at most; read on every call. */
  window: () => number;
  /** Notifications per call. */
  batch: number;
  /** Concurrent clients. */
  clients: number;
}

/**
 * Saturation: `clients` clients send back to back as long as fewer than `window` notifications are
 * between request and provider, so every stage has work queued and the provider's rate is the pipeline's.
 */
export async function runClosedLoop(
  target: LoadTarget,
  tracker: AcceptanceTracker,
  phase: PhaseTally,
  intake: IntakeTally,
  o: ClosedLoopOptions,
): Promise<void> {
  const end = Date.now() + o.durationMs;
  const client = async () => {
    while (Date.now() < end) {
      const room = o.window() - tracker.outstanding;
      if (room < Math.min(o.batch, MIN_CALL)) {
        await sleep(IDLE_MS);
        continue;
      }
      await target.send(phase, intake, Math.min(o.batch, room));
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
}

export interface PacedOptions {
  /** Notifications/s offered. */
  rate: number;
  durationMs: number;
  /** Largest number of notifications in one call. */
  maxBatch: number;
}

/**
 * A fixed offered load, open loop: every 50 ms the notifications that fell due go out (in calls of at most
 * `maxBatch`) without waiting for earlier calls. Returns the achieved rate (notifications/s).
 */
export async function runPaced(
  target: LoadTarget,
  phase: PhaseTally,
  intake: IntakeTally,
  o: PacedOptions,
): Promise<number> {
  const start = Date.now();
  const total = Math.round((o.rate * o.durationMs) / 1000);
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) * o.rate) / 1000)) - sent;
    if (due <= 0) {
      await sleep(TICK_MS / 5);
      continue;
    }
    for (let left = due; left > 0;) {
      const n = Math.min(left, o.maxBatch);
      while (inFlight.size >= MAX_OPEN_CALLS) await Promise.race(inFlight);
      const call = target.send(phase, intake, n).finally(() => inFlight.delete(call));
      inFlight.add(call);
      left -= n;
      sent += n;
    }
    await sleep(TICK_MS);
  }
  const elapsed = Date.now() - start;
  await Promise.all(inFlight);
  return (sent * 1000) / Math.max(1, elapsed);
}
