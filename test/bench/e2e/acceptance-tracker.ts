import type { SendGridReceived } from '@notify/provider-emulators';
import { refOfSubject } from './bench-tenant.js';

/** One notification that reached the provider. */
export interface Completion {
  /** When the provider emulator accepted it, epoch ms. */
  acceptedAt: number;
  /** acceptedAt − the request time, ms. */
  latencyMs: number;
}

export interface PhaseTally {
  sent: number;
  completions: Completion[];
  duplicates: number;
}

interface Pending {
  phase: PhaseTally;
  requestedAt: number;
}

const POLL_MS = 20;

/**
 * Matches what the SendGrid emulator (running in this process) accepted to the requests the benchmark
 * sent, by the ref each request renders into its subject. Reads and clears the emulator's list, so a long
 * run keeps no bodies in memory.
 */
export class AcceptanceTracker {
  private readonly pending = new Map<string, Pending>();
  private readonly done = new Map<string, PhaseTally>();
  private readonly timer: NodeJS.Timeout;
  /** Accepted mail the benchmark did not send (another run, or not a benchmark subject). */
  foreign = 0;

  constructor(private readonly emulator: { received: SendGridReceived[]; clearReceived(): void }) {
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  /** A request was sent at `requestedAt` (epoch ms) for the notification carrying `ref`. */
  expect(phase: PhaseTally, ref: string, requestedAt: number): void {
    phase.sent++;
    this.pending.set(ref, { phase, requestedAt });
  }

  /** Gives up on a request whose send failed (it will never be accepted). */
  forget(phase: PhaseTally, ref: string): void {
    if (this.pending.delete(ref)) phase.sent--;
  }

  /** Sent and not yet accepted by the provider. */
  get outstanding(): number {
    return this.pending.size;
  }

  outstandingOf(phase: PhaseTally): number {
    return phase.sent - phase.completions.length;
  }

  poll(): void {
    const received = this.emulator.received;
    if (received.length === 0) return;
    for (const mail of received) {
      const ref = refOfSubject(mail.subject);
      if (ref === undefined) {
        this.foreign++;
        continue;
      }
      const p = this.pending.get(ref);
      if (p) {
        this.pending.delete(ref);
        this.done.set(ref, p.phase);
        p.phase.completions.push({ acceptedAt: mail.receivedAt, latencyMs: mail.receivedAt - p.requestedAt });
        continue;
      }
      const phase = this.done.get(ref);
      if (phase) phase.duplicates++;
      else this.foreign++;
    }
    this.emulator.clearReceived();
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }
}

export function newTally(): PhaseTally {
  return { sent: 0, completions: [], duplicates: 0 };
}
