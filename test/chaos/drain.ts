// Waits, bounded, until the pipeline has drained: quiet on the status topic, none of the run's records left
// in any input or retry topic of the delivery path, nothing of the run's tenant pending in the scheduler.
// Once every planned notification is finished a short quiet suffices (a late copy would still sit in a
// topic); while some are not, a long quiet with nothing in flight means nothing more is coming (and the
// verifier names them). Then, bounded separately, it waits for the status tracker to record the run's
// status events in MongoDB (it is the slowest consumer of the local stack).
import { Topics } from '@notify/schemas';
import type { PendingRecords } from './lag-probe.js';

export interface DrainOptions {
  progress: () => { complete: number; total: number };
  lastEventAt: () => number;
  /** Quiet that ends the wait while some notifications are still unfinished. */
  idleMs: number;
  /** Quiet that ends the wait once every notification is finished (late copies would still be in a topic). */
  settleMs?: number;
  timeoutMs: number;
  /** Longest further wait for the status tracker once the delivery path has drained. */
  trackerTimeoutMs: number;
  schedulerBacklog: () => Promise<number>;
  pending: () => Promise<PendingRecords>;
  log: (msg: string) => void;
  pollMs?: number;
}

export interface DrainResult {
  /** The delivery path drained (everything but the status tracker's input). */
  drained: boolean;
  /** The status tracker read every status event of the run. */
  trackerCaughtUp: boolean;
  waitedMs: number;
  complete: number;
  total: number;
  schedulerBacklog: number;
  pending: PendingRecords;
}

const isStatusTopic = (topic: string) => topic === Topics.status.name || topic.startsWith(`${Topics.status.name}.retry.`);

/** Records still waiting for the delivery path (all but the status tracker's topics). */
export function deliveryPending(p: PendingRecords): number {
  return Object.entries(p.byTopic).reduce((n, [topic, count]) => n + (isStatusTopic(topic) ? 0 : count), 0);
}

export async function waitForDrain(options: DrainOptions): Promise<DrainResult> {
  const started = Date.now();
  const pollMs = options.pollMs ?? 5_000;
  const settleMs = options.settleMs ?? 10_000;
  let lastLog = 0;
  let schedulerBacklog = -1;
  let pending: PendingRecords = { total: -1, byTopic: {} };
  let drained = false;
  for (;;) {
    const { complete, total } = options.progress();
    const lastEvent = options.lastEventAt();
    const quiet = Date.now() - lastEvent;
    if (Date.now() - lastLog >= 30_000) {
      lastLog = Date.now();
      options.log(`drain: ${complete}/${total} finished, quiet for ${(quiet / 1000).toFixed(0)} s`);
    }
    if (quiet >= (complete === total ? settleMs : options.idleMs)) {
      schedulerBacklog = await options.schedulerBacklog();
      if (schedulerBacklog === 0) pending = await options.pending();
      const stillQuiet = options.lastEventAt() === lastEvent;
      if (schedulerBacklog === 0 && pending.total >= 0 && deliveryPending(pending) === 0 && stillQuiet) {
        drained = true;
        break;
      }
      options.log(`drain: not yet (scheduler backlog ${schedulerBacklog}, run records in topics ${JSON.stringify(pending.byTopic)})`);
    }
    if (Date.now() - started >= options.timeoutMs) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const trackerDeadline = Date.now() + options.trackerTimeoutMs;
  while (drained && pending.total > 0 && Date.now() < trackerDeadline) {
    options.log(`drain: waiting for the status tracker (${pending.total} status events of the run not yet read)`);
    await new Promise((r) => setTimeout(r, Math.max(pollMs, 10_000)));
    pending = await options.pending();
  }
  const { complete, total } = options.progress();
  return { drained, trackerCaughtUp: drained && pending.total === 0, waitedMs: Date.now() - started, complete, total, schedulerBacklog, pending };
}
