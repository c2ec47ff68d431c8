import fs from 'node:fs';
import path from 'node:path';
import type { Percentiles } from './percentiles.js';
import type { VariantResult } from './run-variant.js';

const fixed = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const ms = (p: Percentiles | undefined, key: 'p50' | 'p95' | 'p99') => fixed(p?.[key]);

export function variantFailed(r: VariantResult): boolean {
  return r.error !== undefined || !r.delivery.ok;
}

/** A fixed-width text table, one row per variant. */
export function summaryTable(results: readonly VariantResult[]): string {
  const header = ['variant', 'records/s', 'cpu ms/1k', 'hop p50', 'hop p95', 'hop p99', 'visible p50', 'visible p99', 'peak RSS MiB', 'delivered', 'dups', 'result'];
  const rows = results.map((r) => [
    r.label,
    fixed(r.throughput?.recordsPerSecond),
    fixed(r.throughput?.relayCpuMsPer1k),
    ms(r.latency?.hopMs, 'p50'),
    ms(r.latency?.hopMs, 'p95'),
    ms(r.latency?.hopMs, 'p99'),
    ms(r.latency?.visibleMs, 'p50'),
    ms(r.latency?.visibleMs, 'p99'),
    fixed(r.peakRssMb),
    `${r.delivery.distinct}/${r.delivery.expected}`,
    String(r.delivery.duplicates),
    variantFailed(r) ? 'FAIL' : 'ok',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function writeReport(file: string, report: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
