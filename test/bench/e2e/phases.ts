import { percentiles, type Percentiles } from '../lib/percentiles.js';
import { sleep } from '../lib/waiting.js';
import { newTally, type AcceptanceTracker, type PhaseTally } from './acceptance-tracker.js';
import { runClosedLoop, runPaced } from './load-drivers.js';
import { newIntakeTally, type IntakeTally, type LoadTarget } from './load-targets.js';
import type { StageActivity, StageMonitor } from './stage-monitor.js';
import type { StoreActivity } from './store-ops.js';

export type PhaseKind = 'warmup' | 'saturation' | 'load';

export interface PhaseResult {
  name: string;
  path: 'rest' | 'kafka';
  kind: PhaseKind;
  /** Notifications/s offered (load phases). */
  offeredPerSecond?: number;
  /** Notifications/s the generator actually sent. */
  achievedPerSecond: number;
  /** How long the phase sent. */
  sendSeconds: number;
  sent: number;
  /** Accepted by the entry point (REST 202 items, Kafka produce acknowledged). */
  intakeAccepted: number;
  intakeFailed: number;
  /** Accepted by the provider. */
  delivered: number;
  missing: number;
  duplicates: number;
  /** Saturation: provider acceptances/s over the measuring window (after its warm-up). */
  throughputPerSecond?: number;
  /** Saturation: entry point acceptances/s over the whole phase. */
  intakePerSecond?: number;
  /** Request → provider accepted, ms. */
  latencyMs?: Percentiles;
  /** REST batch call or Kafka produce, ms. */
  callMs?: Percentiles;
  /** What each process did while the phase sent (saturation: over the measuring window). */
  stages: StageActivity[];
  /** Commands the MongoDB server ran per second over the same window (all its clients, not only ours). */
  store?: StoreActivity;
  /** How long the pipeline took to deliver the phase's last notifications after it stopped sending. */
  drainSeconds: number;
  errors: string[];
  /** Members of another pipeline found in the consumer groups right after the phase (they share its partitions). */
  foreignGroupMembers?: number;
}

export interface PhaseContext {
  tracker: AcceptanceTracker;
  monitor: StageMonitor;
  drainTimeoutMs: number;
  log: (msg: string) => void;
}

async function drain(ctx: PhaseContext, tally: PhaseTally): Promise<number> {
  const start = Date.now();
  while (ctx.tracker.outstandingOf(tally) > 0 && Date.now() - start < ctx.drainTimeoutMs) await sleep(50);
  ctx.tracker.poll();
  return (Date.now() - start) / 1000;
}

function finish(
  base: Pick<
    PhaseResult,
    'name' | 'path' | 'kind' | 'offeredPerSecond' | 'achievedPerSecond' | 'sendSeconds' | 'stages'
  >,
  tally: PhaseTally,
  intake: IntakeTally,
  drainSeconds: number,
): PhaseResult {
  const result: PhaseResult = {
    ...base,
    sent: tally.sent,
    intakeAccepted: intake.accepted,
    intakeFailed: intake.failed,
    delivered: tally.completions.length,
    missing: tally.sent - tally.completions.length,
    duplicates: tally.duplicates,
    drainSeconds,
    errors: intake.errors,
  };
  const latency = percentiles(tally.completions.map((c) => c.latencyMs));
  const calls = percentiles(intake.callMs);
  if (latency) result.latencyMs = latency;
  if (calls) result.callMs = calls;
  return result;
}

const WINDOW_FLOOR = 100;
const WINDOW_SECONDS = 4; // in flight: what the pipeline delivers in this long, so a slow one is not buried
const WINDOW_ADJUST_MS = 1_000;

/**
 * The in-flight window follows the delivery rate (Little's law with a 4 s target latency), between 100
 * and `max`: enough to keep every stage busy, little enough to drain quickly after the phase.
 */
function adaptiveWindow(tally: PhaseTally, max: number): { current: () => number; stop: () => void } {
  let window = Math.min(max, WINDOW_FLOOR * 2);
  const timer = setInterval(() => {
    const since = Date.now() - WINDOW_SECONDS * 1000;
    let recent = 0;
    for (let i = tally.completions.length - 1; i >= 0 && tally.completions[i]!.acceptedAt >= since; i--)
      recent++;
    window = Math.min(max, Math.max(WINDOW_FLOOR, recent));
  }, WINDOW_ADJUST_MS);
  return { current: () => window, stop: () => clearInterval(timer) };
}

/** Drives `target` closed loop for `seconds`, measuring the provider's rate after `warmupSeconds`. */
export async function saturationPhase(
  ctx: PhaseContext,
  target: LoadTarget,
  o: { seconds: number; warmupSeconds: number; window: number; batch: number; clients: number },
): Promise<PhaseResult> {
  const name = `${target.path} saturation`;
  ctx.log(
    `${name}: ${o.clients} clients × ${o.batch} per call, in-flight window up to ${o.window}, ${o.seconds} s`,
  );
  const tally = newTally();
  const intake = newIntakeTally();
  const start = Date.now();
  const window = adaptiveWindow(tally, o.window);
  const sending = runClosedLoop(target, ctx.tracker, tally, intake, {
    durationMs: o.seconds * 1000,
    window: window.current,
    batch: o.batch,
    clients: o.clients,
  });
  await sleep(o.warmupSeconds * 1000);
  const from = await ctx.monitor.snapshot();
  await sending;
  window.stop();
  const to = await ctx.monitor.snapshot();
  const sendSeconds = (Date.now() - start) / 1000;
  ctx.tracker.poll();
  const inWindow = tally.completions.filter((c) => c.acceptedAt >= from.at && c.acceptedAt <= to.at).length;
  const result = finish(
    {
      name,
      path: target.path,
      kind: 'saturation',
      achievedPerSecond: tally.sent / sendSeconds,
      sendSeconds,
      stages: ctx.monitor.activity(from, to),
      ...optionalStore(ctx.monitor.storeActivity(from, to)),
    },
    tally,
    intake,
    await drain(ctx, tally),
  );
  result.throughputPerSecond = (inWindow * 1000) / Math.max(1, to.at - from.at);
  result.intakePerSecond = intake.accepted / sendSeconds;
  ctx.log(
    `${name}: ${Math.round(result.throughputPerSecond)} notifications/s delivered, ${Math.round(result.intakePerSecond)}/s taken in; drained in ${result.drainSeconds.toFixed(1)} s`,
  );
  return result;
}

/** Offers `rate` notifications/s for `seconds`, then waits for them to be delivered. */
export async function loadPhase(
  ctx: PhaseContext,
  target: LoadTarget,
  o: { rate: number; seconds: number; maxBatch: number; kind?: PhaseKind },
): Promise<PhaseResult> {
  const kind = o.kind ?? 'load';
  const name = `${target.path} ${kind === 'warmup' ? 'warm-up ' : ''}${o.rate}/s`;
  ctx.log(`${name}: ${o.seconds} s`);
  const tally = newTally();
  const intake = newIntakeTally();
  const from = await ctx.monitor.snapshot();
  const achieved = await runPaced(target, tally, intake, {
    rate: o.rate,
    durationMs: o.seconds * 1000,
    maxBatch: o.maxBatch,
  });
  const to = await ctx.monitor.snapshot();
  const result = finish(
    {
      name,
      path: target.path,
      kind,
      offeredPerSecond: o.rate,
      achievedPerSecond: achieved,
      sendSeconds: (to.at - from.at) / 1000,
      stages: ctx.monitor.activity(from, to),
      ...optionalStore(ctx.monitor.storeActivity(from, to)),
    },
    tally,
    intake,
    await drain(ctx, tally),
  );
  const l = result.latencyMs;
  ctx.log(
    `${name}: achieved ${Math.round(achieved)}/s; ${result.delivered}/${result.sent} delivered` +
      (l ? `, latency p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms` : '') +
      (result.missing ? `; ${result.missing} not delivered within the drain timeout` : ''),
  );
  return result;
}

function optionalStore(store: StoreActivity | undefined): { store?: StoreActivity } {
  return store ? { store } : {};
}
