// `npm run bench -- runtime`: the stream runtime against a bare kafkajs relay. On fresh 12-partition
// topics, each variant runs as its own process through a throughput phase (pre-produced records, timed
// from the relay joining its group to the last output read committed) and a latency phase (a fixed rate
// with x-notify-requested-at = send time; hop latency = output timestamp − that header), with the relay's
// peak RSS sampled every 200 ms. Prints a table and writes reports/bench/runtime.json.
//
// Environment: BENCH_RECORDS (50000), BENCH_LATENCY_RATE (1000 records/s), BENCH_LATENCY_SECONDS (10),
// BENCH_VARIANTS (eos,alo,bare), BENCH_THROUGHPUT_TIMEOUT_MS (300000), BENCH_LATENCY_DRAIN_TIMEOUT_MS (60000).
import os from 'node:os';
import path from 'node:path';
import type { ServiceProcess } from '../support/service-process.js';
import { REPO_ROOT } from '../support/stack-env.js';
import { summaryTable, variantFailed, writeReport } from './lib/report.js';
import { RELAY_VARIANTS } from './lib/relay-variant.js';
import { runVariant, stopProcess, type BenchConfig, type VariantResult } from './lib/run-variant.js';

const REPORT_FILE = path.join(REPO_ROOT, 'reports', 'bench', 'runtime.json');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive integer (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

const latencySeconds = positiveInt('BENCH_LATENCY_SECONDS', 10);
const config: BenchConfig = {
  records: positiveInt('BENCH_RECORDS', 50_000),
  partitions: 12,
  latencyRate: positiveInt('BENCH_LATENCY_RATE', 1_000), // records/s
  latencySeconds,
  readyTimeoutMs: 90_000, // 90 s: process start, topic creation, schema registration, group join
  throughputTimeoutMs: positiveInt('BENCH_THROUGHPUT_TIMEOUT_MS', 300_000), // 5 min
  latencyDrainTimeoutMs: positiveInt('BENCH_LATENCY_DRAIN_TIMEOUT_MS', 60_000), // 1 min
  settleMs: 2_000, // 2 s
  retryDelaysMs: '1000,10000,60000',
};

const wanted = (process.env.BENCH_VARIANTS ?? RELAY_VARIANTS.map((v) => v.id).join(',')).split(',').map((s) => s.trim());
const unknown = wanted.filter((id) => !RELAY_VARIANTS.some((v) => v.id === id));
if (unknown.length) {
  console.error(`unknown BENCH_VARIANTS ${unknown.join(', ')} (known: ${RELAY_VARIANTS.map((v) => v.id).join(', ')})`);
  process.exit(2);
}
const variants = RELAY_VARIANTS.filter((v) => wanted.includes(v.id));

const started = new Set<ServiceProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n[bench] ${signal}: stopping the relays`);
    for (const p of started) p.kill('SIGKILL');
    process.exit(130);
  });
}

console.log(
  `[bench] runtime: ${config.records} records for throughput, ${config.latencyRate}/s for ${config.latencySeconds} s for latency, ` +
    `${config.partitions} partitions, variants ${variants.map((v) => v.id).join(', ')}`,
);
const results: VariantResult[] = [];
const began = Date.now();
for (const v of variants) {
  const result = await runVariant(v, config, (p) => started.add(p), (msg) => console.log(`[bench] ${v.id}: ${msg}`));
  results.push(result);
}
for (const p of started) await stopProcess(p);

console.log(`\n${summaryTable(results)}\n`);
console.log('records/s: throughput phase; cpu ms/1k: relay CPU per 1,000 records in it; hop: output timestamp − x-notify-requested-at (ms);');
console.log('visible: read by a read_committed consumer − x-notify-requested-at (ms); delivered: distinct ids / expected.');
for (const r of results.filter(variantFailed)) {
  const why = r.error ?? `${r.delivery.missing} missing, ${r.delivery.duplicates} duplicates`;
  console.error(`[bench] ${r.label} FAILED: ${why}${r.logFile ? ` (relay log ${path.relative(REPO_ROOT, r.logFile)})` : ''}`);
}

writeReport(REPORT_FILE, {
  benchmark: 'runtime',
  generatedAt: new Date().toISOString(),
  durationSeconds: (Date.now() - began) / 1000,
  machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg() },
  config,
  variants: results,
});
console.log(`[bench] report written to ${path.relative(REPO_ROOT, REPORT_FILE)}`);
process.exit(results.some(variantFailed) ? 1 : 0);
