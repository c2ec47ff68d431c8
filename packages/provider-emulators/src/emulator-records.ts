import type { CallRecord } from './emulator-handle.js';

/** What an emulator keeps of its calls, and the latency timers it must clear when it stops. */
export interface EmulatorRecords<R> {
  readonly received: R[];
  readonly calls: CallRecord[];
  clearReceived(): void;
  /** Waits `ms` (an injected latency) on a timer that `clearTimers` cancels. */
  delay(ms: number): Promise<void>;
  clearTimers(): void;
}

export function emulatorRecords<R>(): EmulatorRecords<R> {
  const received: R[] = [];
  const calls: CallRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  return {
    received,
    calls,
    clearReceived: () => {
      received.length = 0;
      calls.length = 0;
    },
    delay: (ms) =>
      ms <= 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const t = setTimeout(() => {
              timers.delete(t);
              resolve();
            }, ms);
            timers.add(t);
          }),
    clearTimers: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
