import { PROVIDERS, type Provider } from '@notify/schemas';
import type { Logger } from '@notify/runtime';
import type { CircuitBreaker } from './circuit-breaker.js';
import { EMPTY_CONTROLS, type ControlsSnapshot, type ControlsStore } from './runtime-controls.js';

export interface WatchedState {
  controls: ControlsSnapshot;
  openCircuits: ReadonlySet<Provider>;
}

/**
 * Keeps an in-process copy of the controls and circuit states, refreshed every `intervalMs`, so the hot
 * path reads memory; a change made on one replica reaches all of them within one interval.
 */
export class ControlsWatcher {
  private current: WatchedState = { controls: EMPTY_CONTROLS, openCircuits: new Set() };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: ControlsStore,
    private readonly breaker: CircuitBreaker,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  snapshot(): WatchedState {
    return this.current;
  }

  async refresh(): Promise<WatchedState> {
    try {
      const [controls, openCircuits] = await Promise.all([this.store.read(), this.breaker.openCircuits(PROVIDERS)]);
      this.current = { controls, openCircuits };
    } catch (err) {
      this.logger.warn({ err }, 'controls refresh failed; keeping the last known state');
    }
    return this.current;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
