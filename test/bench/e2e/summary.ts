import type { PhaseResult } from './phases.js';
import type { RelayChainResult } from './relay-chain.js';

const fixed = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One row per measured phase. */
export function phaseTable(phases: readonly PhaseResult[]): string {
  return table(
    [
      'phase',
      'offered/s',
      'sent/s',
      'delivered/s',
      'intake/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'call p50/p99 ms',
      'delivered',
      'missing',
      'dups',
    ],
    phases
      .filter((p) => p.kind !== 'warmup')
      .map((p) => [
        p.name,
        fixed(p.offeredPerSecond),
        fixed(p.achievedPerSecond),
        p.kind === 'saturation' ? fixed(p.throughputPerSecond) : '-',
        p.kind === 'saturation' ? fixed(p.intakePerSecond) : '-',
        fixed(p.latencyMs?.p50),
        fixed(p.latencyMs?.p95),
        fixed(p.latencyMs?.p99),
        p.callMs ? `${fixed(p.callMs.p50)}/${fixed(p.callMs.p99)}` : '-',
        `${p.delivered}/${p.sent}`,
        String(p.missing),
        String(p.duplicates),
      ]),
  );
}

/** Per process, at the saturation of each path: records/s, lag, CPU and busy time. */
export function stageTable(saturations: readonly PhaseResult[], peakRssMb: Record<string, number>): string {
  const names = [...new Set(saturations.flatMap((p) => p.stages.map((s) => s.name)))];
  const header = ['process'];
  for (const p of saturations)
    header.push(
      `${p.path} rec/s`,
      `${p.path} max lag`,
      `${p.path} cpu`,
      `${p.path} busy`,
      `${p.path} txn ms`,
    );
  header.push('peak RSS MiB');
  const rows = names.map((name) => {
    const row = [name];
    for (const p of saturations) {
      const s = p.stages.find((x) => x.name === name);
      row.push(
        fixed(s?.processedPerSecond),
        fixed(s?.maxLag),
        fixed(s?.cpuCores, 2),
        fixed(s?.busy, 2),
        fixed(s?.meanTransactionMs),
      );
    }
    row.push(fixed(peakRssMb[name]));
    return row;
  });
  return table(header, rows);
}

/**
 * The stage the backlog piles up in front of at saturation: the on-path consumer with the highest lag.
 * When no consumer holds a real backlog (under `minLag`), the entry point itself is the limit.
 */
export function slowestStage(
  phase: PhaseResult,
  onPath: readonly string[],
  minLag = 50,
): { name: string; maxLag: number } {
  const candidates = phase.stages.filter((s) => onPath.includes(s.name) && s.maxLag !== undefined);
  const worst = candidates.reduce<{ name: string; maxLag: number } | undefined>(
    (best, s) => (s.maxLag! > (best?.maxLag ?? -1) ? { name: s.name, maxLag: s.maxLag! } : best),
    undefined,
  );
  if (!worst || worst.maxLag < minLag)
    return {
      name: phase.path === 'rest' ? 'ingest (REST intake)' : 'ingest (Kafka intake)',
      maxLag: worst?.maxLag ?? 0,
    };
  return worst;
}

export function relayLine(r: RelayChainResult): string {
  if (r.error) return `bare relay chain (${r.hops} hops): FAILED: ${r.error}`;
  return (
    `bare relay chain (${r.hops} hops, ${r.partitions} partitions, ${r.records} records): ` +
    `${fixed(r.steadyPerSecond)} records/s sustained, ${fixed(r.recordsPerSecond)} records/s overall ` +
    `(${r.delivered}/${r.records} delivered, ${r.duplicates} duplicates; produce took ${fixed(r.produceSeconds, 1)} s)`
  );
}

/** Mean time from the request to each stage's output, per load phase: where the latency builds up. */
export function stageLatencyTable(loads: readonly PhaseResult[], stages: readonly string[]): string {
  return table(
    ['phase', ...stages.map((s) => `→${s} ms`)],
    loads.map((p) => [
      p.name,
      ...stages.map((n) => fixed(p.stages.find((s) => s.name === n)?.meanSinceRequestMs)),
    ]),
  );
}

/** MongoDB commands per second in each phase, and per delivered notification at saturation. */
export function storeTable(phases: readonly PhaseResult[]): string {
  const names = ['insert', 'update', 'find', 'aggregate', 'delete'];
  return table(
    ['phase', ...names.map((n) => `${n}/s`), 'failed', 'per notification'],
    phases
      .filter((p) => p.kind !== 'warmup' && p.store)
      .map((p) => {
        const perSecond = p.store!.perSecond;
        const total = Object.values(perSecond).reduce((a, b) => a + b, 0);
        const rate = p.kind === 'saturation' ? p.throughputPerSecond : p.offeredPerSecond;
        return [
          p.name,
          ...names.map((n) => fixed(perSecond[n])),
          String(Object.values(p.store!.failed).reduce((a, b) => a + b, 0)),
          rate ? fixed(total / rate, 1) : '-',
        ];
      }),
  );
}

/**
 * What one delivered notification costs at each path's saturation: CPU ms per process and in total, and
 * MongoDB commands per service and in total; with each stage's transactions per second and their size.
 */
export function costTable(saturations: readonly PhaseResult[]): string {
  const names = [...new Set(saturations.flatMap((p) => p.stages.map((s) => s.name)))];
  const header = ['process'];
  for (const p of saturations) header.push(`${p.path} cpu ms/notif`, `${p.path} mongo cmd/notif`, `${p.path} txn/s`, `${p.path} rec/txn`);
  const rows = names.map((name) => {
    const row = [name];
    for (const p of saturations) {
      const s = p.stages.find((x) => x.name === name);
      const rate = p.throughputPerSecond;
      row.push(
        rate && s?.cpuCores !== undefined ? fixed((s.cpuCores * 1000) / rate, 2) : '-',
        rate && s?.mongoCommandsPerSecond !== undefined ? fixed(s.mongoCommandsPerSecond / rate, 2) : '-',
        fixed(s?.transactionsPerSecond, 1),
        fixed(s?.recordsPerTransaction, 1),
      );
    }
    return row;
  });
  const total = ['total'];
  for (const p of saturations) {
    const cpu = p.stages.reduce((a, s) => a + (s.cpuCores ?? 0), 0);
    const mongo = p.stages.reduce((a, s) => a + (s.mongoCommandsPerSecond ?? 0), 0);
    const rate = p.throughputPerSecond;
    total.push(rate ? fixed((cpu * 1000) / rate, 2) : '-', rate ? fixed(mongo / rate, 2) : '-', '-', '-');
  }
  rows.push(total);
  return table(header, rows);
}
