import type { CircuitState } from '@notify/controls';
import type { Dispatch } from '@notify/schemas';
import type { Breaker, ClaimResult, DeliveryRef, Ledger, SentDelivery, Settled } from './domain/ports.js';
import type { ProviderAdapter, SendResult } from './providers/provider-adapter.js';

const keyOf = (r: DeliveryRef) => `${r.notificationId}:${r.channel}`;

/** The ledger's rules in memory, with every call logged and failures to inject. */
export class MemoryLedger implements Ledger {
  readonly sent = new Map<string, string>();
  readonly claims = new Map<string, string>();
  readonly calls: string[] = [];
  /** Calls that throw, each with this error. */
  readonly failing = new Map<'sentAs' | 'claim' | 'markSent' | 'recordSent' | 'release', Error>();
  /** Deliveries whose lookup fails on its own. */
  readonly unreadable = new Set<string>();

  constructor(
    private readonly owner = 'this-sender',
    readonly claimTtlMs = 60_000, // one minute
  ) {}

  claimedBy(notificationId: string, channel = 'EMAIL'): string | undefined {
    return this.claims.get(`${notificationId}:${channel}`);
  }

  private call(name: 'sentAs' | 'claim' | 'markSent' | 'recordSent' | 'release'): void {
    this.calls.push(name);
    const err = this.failing.get(name);
    if (err) throw err;
  }

  async sentAs(refs: readonly DeliveryRef[]): Promise<Array<Settled<string | undefined>>> {
    this.call('sentAs');
    return refs.map((r) => (this.unreadable.has(r.notificationId) ? new Error(`cannot read ${keyOf(r)}`) : this.sent.get(keyOf(r))));
  }

  async claim(refs: readonly DeliveryRef[]): Promise<Array<Settled<ClaimResult>>> {
    this.call('claim');
    return refs.map((r): ClaimResult => {
      const sent = this.sent.get(keyOf(r));
      if (sent !== undefined) return { kind: 'sent', providerMessageId: sent };
      const holder = this.claims.get(keyOf(r));
      if (holder !== undefined && holder !== this.owner) return { kind: 'busy' };
      this.claims.set(keyOf(r), this.owner);
      return { kind: 'claimed' };
    });
  }

  async markSent(s: SentDelivery): Promise<void> {
    this.call('markSent');
    this.sent.set(keyOf(s), s.providerMessageId);
  }

  async recordSent(sent: readonly SentDelivery[]): Promise<void> {
    this.call('recordSent');
    for (const s of sent) this.sent.set(keyOf(s), s.providerMessageId);
  }

  async release(refs: readonly DeliveryRef[]): Promise<Array<Error | undefined>> {
    this.call('release');
    for (const r of refs) if (this.claims.get(keyOf(r)) === this.owner) this.claims.delete(keyOf(r));
    return refs.map(() => undefined);
  }
}

/** A circuit breaker in memory: opens at `threshold` failures, every call logged. */
export class MemoryBreaker implements Breaker {
  readonly calls: string[] = [];
  failures = 0;
  open = false;
  stateError?: Error;

  constructor(private readonly threshold = 3) {}

  async state(): Promise<CircuitState> {
    this.calls.push('state');
    if (this.stateError) throw this.stateError;
    if (this.open) return 'open';
    return this.failures >= this.threshold ? 'half-open' : 'closed';
  }

  async openFor(): Promise<number> {
    this.calls.push('openFor');
    return this.open ? 5_000 : 0;
  }

  async recordSuccess(): Promise<void> {
    this.calls.push('success');
    this.failures = 0;
  }

  async recordFailure(): Promise<boolean> {
    this.calls.push('failure');
    this.failures += 1;
    if (this.failures < this.threshold || this.open) return false;
    this.open = true;
    return true;
  }
}

export interface Scripted {
  delayMs?: number;
  error?: Error;
  /** Runs when the call starts. */
  onCall?: () => void;
}

/** A provider whose every call does what `script` says for its dispatch; calls are logged in order. */
export class ScriptedAdapter implements ProviderAdapter {
  readonly provider = 'sendgrid' as const;
  readonly channel = 'EMAIL' as const;
  readonly started: string[] = [];
  /** `start <notificationId>` and `end <notificationId>` in the order they happened. */
  readonly events: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly script: (d: Dispatch) => Scripted = () => ({})) {}

  async send(d: Dispatch): Promise<SendResult> {
    const { delayMs = 0, error, onCall } = this.script(d);
    this.started.push(d.notificationId);
    this.events.push(`start ${d.notificationId}`);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    onCall?.();
    try {
      await new Promise((r) => setTimeout(r, delayMs));
      if (error) throw error;
      return { providerMessageId: `pm-${d.notificationId}` };
    } finally {
      this.inFlight -= 1;
      this.events.push(`end ${d.notificationId}`);
    }
  }

  async close(): Promise<void> {}
}
