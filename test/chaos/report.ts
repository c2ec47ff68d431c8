// The run's report: a JSON document under reports/chaos/ and a summary printed as text tables.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChaosConfig } from './chaos-config.js';
import type { DrainResult } from './drain.js';
import type { FaultEvent } from './fault-supervisor.js';
import type { LoadResult } from './load-generator.js';
import type { FaultServers } from './stack-servers.js';
import type { Finding, VerifyResult } from './verifier.js';

export interface ChaosReport {
  generatedAt: string;
  tenantId: string;
  ok: boolean;
  durationSeconds: number;
  phases: { setupSeconds: number; loadSeconds: number; catchUpSeconds: number; drainSeconds: number };
  machine: { cpus: number; memoryGiB: number; node: string; loadAverage: number[] };
  config: ChaosConfig;
  stack: { restartable: string[]; skipped: FaultServers['skipped'] };
  load: {
    requests: { rest: number; kafka: number };
    notifications: number;
    acceptedNotifications: number;
    rest: LoadResult['rest'];
    kafka: LoadResult['kafka'];
    idMismatches: LoadResult['idMismatches'];
  };
  faults: {
    kills: number;
    /** Service faults (kill, term, pause) by service and by kind. */
    killsByService: Record<string, number>;
    faultsByKind: Record<string, number>;
    unexpectedExits: FaultEvent[];
    infraRestarts: FaultEvent[];
    events: FaultEvent[];
  };
  providerCalls: Record<string, Record<string, number>>;
  statusReader: { events: number; undecodable: number; recreated: number };
  drain: DrainResult;
  verdict: VerifyResult;
  /** Why the run failed besides the verdict (e.g. the load could not be offered). */
  problems: string[];
  logDir: string;
}

const LIST_CAP = 500;

/** The report with long finding lists cut (their lengths are in the summary). */
function capped(report: ChaosReport): unknown {
  const v = report.verdict;
  const cap = <T>(list: T[]) => list.slice(0, LIST_CAP);
  return {
    ...report,
    verdict: {
      ...v,
      counts: {
        losses: v.losses.length,
        duplicates: v.duplicates.length,
        providerDuplicates: v.providerDuplicates.length,
        wrongOutcomes: v.wrongOutcomes.length,
        deliveredNotSent: v.deliveredNotSent.length,
        unmatchedReceipts: v.unmatchedReceipts.length,
        unexpectedNotifications: v.unexpectedNotifications.length,
        timelineGaps: v.timelineGaps.length,
        digestMismatches: v.digestMismatches.length,
        degraded: v.degraded.length,
      },
      losses: cap(v.losses),
      duplicates: cap(v.duplicates),
      providerDuplicates: cap(v.providerDuplicates),
      wrongOutcomes: cap(v.wrongOutcomes),
      deliveredNotSent: cap(v.deliveredNotSent),
      unmatchedReceipts: cap(v.unmatchedReceipts),
      unexpectedNotifications: cap(v.unexpectedNotifications),
      timelineGaps: cap(v.timelineGaps),
      digestMismatches: cap(v.digestMismatches),
      degraded: cap(v.degraded),
    },
  };
}

export function writeReport(dir: string, report: ChaosReport): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.generatedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(capped(report), null, 2)}\n`);
  return file;
}

export function machineInfo(): ChaosReport['machine'] {
  return { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg() };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const s = (n: number) => n.toFixed(1);

function findings(title: string, list: readonly Finding[], max = 20): string[] {
  if (list.length === 0) return [];
  const shown = list.slice(0, max).map((f) => `  ${f.notificationId}${f.channel ? `/${f.channel}` : ''} [${f.scenario ?? '?'}] ${f.detail}`);
  return [`${title} (${list.length}):`, ...shown, ...(list.length > max ? [`  … ${list.length - max} more in the JSON report`] : [])];
}

export function summaryText(report: ChaosReport): string {
  const v = report.verdict;
  const f = report.faults;
  const crashWindow = v.providerDuplicates.filter((d) => d.cause !== 'unexplained');
  const unexplained = v.providerDuplicates.filter((d) => d.cause === 'unexplained');
  const kills = Object.entries(f.killsByService)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const restarts = f.infraRestarts.map((e) => `${e.target} ${e.ok && e.readyAt ? `${s((e.readyAt - e.at) / 1000)} s` : 'FAILED'}`).join(', ') || 'none';
  const pf = report.config.providerFaults;
  const out: string[] = [
    `chaos run ${report.tenantId}: ${report.load.acceptedNotifications}/${report.load.notifications} notifications accepted (${report.load.requests.rest} REST, ${report.load.requests.kafka} Kafka requests) in ${s(report.durationSeconds)} s`,
    `  phases: setup ${s(report.phases.setupSeconds)} s, load ${s(report.phases.loadSeconds)} s, catch-up ${s(report.phases.catchUpSeconds)} s, drain ${s(report.phases.drainSeconds)} s (${report.drain.drained ? (report.drain.trackerCaughtUp ? 'drained' : `drained; status tracker ${report.drain.pending.total} events behind`) : 'NOT drained'}); ${s(report.load.acceptedNotifications / Math.max(1, report.phases.loadSeconds + report.phases.catchUpSeconds))} notifications/s through the pipeline`,
    `  service faults: ${f.kills} (${Object.entries(f.faultsByKind ?? {}).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; ${kills || 'none'}); unexpected exits: ${f.unexpectedExits.length}`,
    `  stack restarts: ${restarts}${report.stack.skipped.length ? `; skipped: ${report.stack.skipped.map((x) => `${x.server} (${x.reason})`).join('; ')}` : ''}`,
    `  providers: ${pf.rate5xx * 100}% 5xx, ${pf.rate429 * 100}% 429, +${pf.latencyMs} ms, spikes of ${pf.spikeMs} ms on ${pf.spikeRate * 100}%; REST retries ${JSON.stringify(report.load.rest.retriedItems)}, failed Kafka transactions ${report.load.kafka.failedTransactions}`,
    '',
    table(
      ['terminal state', 'count'],
      Object.entries(v.terminal).map(([k, n]) => [k, String(n)]),
    ),
    '',
    table(
      ['scenario', 'notifications', 'finished', 'outcomes'],
      Object.entries(v.byScenario).map(([k, x]) => [k, String(x.notifications), String(x.complete), Object.entries(x.terminal).map(([t, n]) => `${t} ${n}`).join(', ')]),
    ),
    '',
    table(
      ['check', 'count', 'result'],
      [
        ['lost (accepted, no terminal state / SENT not at provider)', v.losses.length, 'fail'],
        ['duplicated terminal states', v.duplicates.length, 'fail'],
        ['provider duplicates, unexplained', unexplained.length, 'fail'],
        ['provider duplicates in the crash window', crashWindow.length, 'report'],
        ['wrong outcomes (plan rules them out)', v.wrongOutcomes.length, 'fail'],
        ['delivered, but channel not SENT', v.deliveredNotSent.length, 'fail'],
        ['receipts of no notification', v.unmatchedReceipts.length, 'fail'],
        ['notifications nobody sent', v.unexpectedNotifications.length, 'fail'],
        ['terminal events missing from the MongoDB timeline', v.timelineGaps.length, 'fail'],
        ['items in two digests, or not where their digest says', v.digestMismatches.length, 'fail'],
        ['digests the digested notifications ended in', v.digests, 'report'],
        ['terminal events the status tracker has yet to record', v.timelineNotYetRecorded, 'report'],
        ['REST answers with unexpected ids', report.load.idMismatches.length, 'fail'],
        ['planned SENT, ended FAILED/DEAD_LETTERED with a reason', v.degraded.length, 'report'],
        ['re-accepted by ingest (same ids)', v.reaccepted, 'report'],
        ['repeats stopped by the delivery ledger', v.ledgerSuppressedRepeats, 'report'],
      ].map(([name, n, kind]) => [String(name), String(n), kind === 'report' ? 'reported' : Number(n) === 0 ? 'ok' : 'FAIL']),
    ),
    '',
    ...findings('LOST', v.losses),
    ...findings('DUPLICATED', v.duplicates),
    ...unexplained.slice(0, 20).map((d) => `  UNEXPLAINED provider duplicate ${d.notificationId}/${d.channel} [${d.scenario}] ${d.copies} copies via ${d.providers.join(', ')} within ${d.spreadMs} ms (${d.receivedAt.join(', ')})`),
    ...crashWindow.slice(0, 20).map((d) => `  crash-window duplicate ${d.notificationId}/${d.channel} [${d.scenario}] ${d.copies} copies via ${d.providers.join(', ')}: ${d.fault}${d.deduplicableByReceiver ? ' (same Message-ID/Idempotency-Key: a receiver can drop it)' : ''}`),
    ...findings('WRONG OUTCOME', v.wrongOutcomes),
    ...findings('DELIVERED BUT NOT SENT', v.deliveredNotSent),
    ...findings('TIMELINE GAP', v.timelineGaps),
    ...findings('DIGEST MISMATCH', v.digestMismatches),
    ...(v.unmatchedReceipts.length ? [`RECEIPTS OF NO NOTIFICATION (${v.unmatchedReceipts.length}):`, ...v.unmatchedReceipts.slice(0, 20).map((x) => `  ${x}`)] : []),
    ...(v.unexpectedNotifications.length ? [`NOTIFICATIONS NOBODY SENT (${v.unexpectedNotifications.length}): ${v.unexpectedNotifications.slice(0, 20).join(', ')}`] : []),
    ...findings('degraded (reported)', v.degraded, 5),
    ...report.problems.map((p) => `PROBLEM: ${p}`),
    ...f.unexpectedExits.map((e) => `unexpected exit of ${e.target}: ${e.detail?.split('\n').slice(0, 3).join(' | ')}`),
    '',
    report.ok ? 'RESULT: ok — no loss, no duplicate' : 'RESULT: FAILED',
  ];
  return out.join('\n');
}
