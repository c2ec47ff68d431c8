import type { Logger } from '@notify/runtime';
import type { Provider } from '@notify/schemas';
import type { Breaker } from './domain/ports.js';

/**
 * One slice's view of a provider's circuit breaker. The state is read once per slice; the slice's own
 * failures are counted as they happen and open the circuit for its sends still to come. Successes are
 * counted together, at the end of the slice or before the next failure is counted, so the breaker sees
 * outcomes in the order they happened while paying one call for a run of successes.
 */
export class SliceCircuit {
  private successes = 0;
  private remaining?: Promise<number>;

  private constructor(
    private readonly breaker: Breaker,
    private readonly provider: Provider,
    private readonly logger: Logger,
    private open: boolean,
  ) {}

  static async read(breaker: Breaker, provider: Provider, logger: Logger): Promise<SliceCircuit> {
    return new SliceCircuit(breaker, provider, logger, (await breaker.state(provider)) === 'open');
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The remaining open time, asked once per slice. */
  openFor(): Promise<number> {
    return (this.remaining ??= this.breaker.openFor(this.provider));
  }

  succeeded(): void {
    this.successes += 1;
  }

  /**
   * Counts a failure that can pass; true when it opened the circuit. A circuit another replica opened
   * in the meantime is noticed here too. Throws when the breaker cannot be reached.
   */
  async failed(): Promise<boolean> {
    await this.flush();
    const opened = await this.breaker.recordFailure(this.provider);
    if (opened) this.open = true;
    else if (!this.open) this.open = (await this.breaker.state(this.provider)) === 'open';
    return opened;
  }

  /** Records the successes not recorded yet; best effort, since they cost no delivery when lost. */
  async flush(): Promise<void> {
    const count = this.successes;
    if (count === 0) return;
    this.successes = 0;
    await this.breaker.recordSuccess(this.provider, count).catch((err: unknown) => this.logger.warn({ err, provider: this.provider }, 'could not record a provider success'));
  }
}
