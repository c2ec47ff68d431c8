import { produceNotifications, relayTopics } from '../../runtime/relay-harness.js';
import type { ServiceProcess } from '../../support/service-process.js';
import { OutputCollector } from './output-collector.js';
import { producePaced } from './paced-producer.js';
import { percentiles, type Percentiles } from './percentiles.js';
import { cpuMs, sampleRss } from './process-sampler.js';
import type { RelayVariant } from './relay-variant.js';
import { isReady, pollUntil, sleep } from './waiting.js';

export interface BenchConfig {
  /** Records pre-produced for the throughput phase. */
  records: number;
  partitions: number;
  /** Records/s produced during the latency phase, and for how long. */
  latencyRate: number;
  latencySeconds: number;
  readyTimeoutMs: number;
  throughputTimeoutMs: number;
  /** How long after the last latency record was produced its outputs may take to arrive. */
  latencyDrainTimeoutMs: number;
  /** Quiet time after the last expected output, so late duplicates are counted too. */
  settleMs: number;
  /** Retry tiers the runtime variants subscribe to (their production default). */
  retryDelaysMs: string;
}

export interface VariantResult {
  id: string;
  label: string;
  exactlyOnce: boolean;
  throughput?: { records: number; seconds: number; recordsPerSecond: number; relayCpuMsPer1k?: number };
  latency?: {
    records: number;
    achievedRatePerSecond: number;
    /** Output record timestamp − x-notify-requested-at: the time to process and produce one hop. */
    hopMs?: Percentiles;
    /** Read by a read_committed consumer − x-notify-requested-at: includes the commit and the reader's fetch. */
    visibleMs?: Percentiles;
  };
  peakRssMb?: number;
  delivery: { expected: number; distinct: number; missing: number; duplicates: number; ok: boolean };
  error?: string;
  logFile?: string;
}

const STOP_GRACE_MS = 20_000; // 20 s

export async function stopProcess(p: ServiceProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill('SIGTERM');
  const stopped = await Promise.race([p.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (!stopped) {
    p.kill('SIGKILL');
    await p.exited;
  }
}

/**
 * One variant on its own fresh topics: a throughput phase over pre-produced records, then a latency
 * phase at a fixed rate, with the relay's peak RSS sampled throughout.
 */
export async function runVariant(
  v: RelayVariant,
  cfg: BenchConfig,
  track: (p: ServiceProcess) => void,
  log: (msg: string) => void,
): Promise<VariantResult> {
  const latencyRecords = cfg.latencyRate * cfg.latencySeconds;
  const expected = cfg.records + latencyRecords;
  const result: VariantResult = { id: v.id, label: v.label, exactlyOnce: v.exactlyOnce, delivery: { expected, distinct: 0, missing: expected, duplicates: 0, ok: false } };
  let collector: OutputCollector | undefined;
  let relay: ServiceProcess | undefined;
  let sampler: ReturnType<typeof sampleRss> | undefined;
  try {
    const t = await relayTopics(`bench.${v.id}`, cfg.partitions, cfg.retryDelaysMs);
    log(`topics ${t.input} → ${t.output}; pre-producing ${cfg.records} records`);
    await produceNotifications(t, cfg.records);
    collector = await OutputCollector.start(t.output, cfg.partitions);

    relay = await v.start(t);
    track(relay);
    result.logFile = relay.logFile;
    const pid = relay.child.pid!;
    sampler = sampleRss(pid);
    let exit: string | undefined;
    void relay.exited.then(({ code, signal }) => (exit = `relay exited (code ${code}, signal ${signal})`));
    const aborted = () => exit;

    const adminPort = relay.adminPort;
    const start = await pollUntil('relay readiness', () => isReady(adminPort), { timeoutMs: cfg.readyTimeoutMs, aborted });
    const cpuStart = cpuMs(pid);
    log('relay joined its group; throughput phase');
    const c = collector;
    await pollUntil('throughput phase', () => c.distinct >= cfg.records, { timeoutMs: cfg.throughputTimeoutMs, aborted });
    const cpuEnd = cpuMs(pid);
    const lastRead = c.range(0, cfg.records).reduce((max, r) => Math.max(max, r.receivedAt), start);
    const seconds = (lastRead - start) / 1000;
    result.throughput = {
      records: cfg.records,
      seconds,
      recordsPerSecond: cfg.records / seconds,
      ...(cpuStart !== undefined && cpuEnd !== undefined ? { relayCpuMsPer1k: ((cpuEnd - cpuStart) * 1000) / cfg.records } : {}),
    };
    log(`throughput ${Math.round(result.throughput.recordsPerSecond)} records/s; latency phase (${cfg.latencyRate}/s for ${cfg.latencySeconds} s)`);

    const achieved = await producePaced(t.input, cfg.partitions, cfg.records, latencyRecords, cfg.latencyRate);
    await pollUntil('latency phase', () => c.distinct >= expected, { timeoutMs: cfg.latencyDrainTimeoutMs, aborted });
    const hops = c.range(cfg.records, expected);
    result.latency = {
      records: latencyRecords,
      achievedRatePerSecond: achieved,
      hopMs: percentiles(hops.map((r) => r.timestamp - r.requestedAt)),
      visibleMs: percentiles(hops.map((r) => r.receivedAt - r.requestedAt)),
    };
    await sleep(cfg.settleMs);
  } catch (err) {
    result.error = (err as Error).message;
    log(`failed: ${result.error}`);
  } finally {
    sampler?.stop();
    if (sampler) result.peakRssMb = sampler.peakMb();
    if (relay) await stopProcess(relay);
    if (collector) {
      const missing = expected - collector.distinct;
      result.delivery = {
        expected,
        distinct: collector.distinct,
        missing,
        duplicates: collector.duplicates,
        ok: missing === 0 && (!v.exactlyOnce || collector.duplicates === 0),
      };
      await collector.stop().catch(() => undefined);
    }
  }
  return result;
}
