import type { EmulatorControl } from './control.js';

/** What every emulator start function resolves to. */
export interface EmulatorHandle<R, C extends EmulatorControl = EmulatorControl> {
  /** Base URL, e.g. http://127.0.0.1:18101 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** What the emulator accepted, oldest first. A live array: it grows as calls arrive. */
  readonly received: R[];
  /** Every API call seen, accepted or not, with the status it got. */
  readonly calls: CallRecord[];
  readonly control: C;
  /** Empties `received` and `calls`. */
  clearReceived(): void;
  stop(): Promise<void>;
}

export interface CallRecord {
  method: string;
  path: string;
  status: number;
  at: number;
}

/** Options every emulator accepts. */
export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Seeded randomness for failure rates and latency spikes. */
  random?: () => number;
}
