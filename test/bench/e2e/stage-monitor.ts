import { MetricNames } from '@notify/runtime';
import { parsePrometheusText, sumOf } from '../lib/prometheus-text.js';
import type { MongoClient } from 'mongodb';
import { cpuMs, sampleRss, type RssSampler } from '../lib/process-sampler.js';
import { commandCounts, storeActivity, type CommandCounts, type StoreActivity } from './store-ops.js';

export interface MonitoredProcess {
  name: string;
  pid: number;
  /** The service's /metrics, when it is one of ours (stack servers have none we read). */
  metrics?: () => Promise<string>;
}

/** Cumulative counters of one process at one moment. */
export interface ProcessCounters {
  processed: number;
  lag: number;
  batchSeconds: number;
  batches: number;
  transactionSeconds: number;
  transactions: number;
  e2eSeconds: number;
  e2eCount: number;
  /** Input records committed by the transactions (notify_transaction_records_sum). */
  transactionRecords: number;
  /** Data commands the service's MongoDB driver sent (connection upkeep such as ping left out). */
  mongoCommands: number;
  cpuMs?: number;
}

/** Commands a driver sends to keep its connections, not to read or write data. */
const UPKEEP_COMMANDS = new Set(['ping', 'hello', 'isMaster', 'ismaster', 'endSessions', 'buildInfo', 'serverStatus']);

function dataCommands(samples: ReturnType<typeof parsePrometheusText>): number {
  let sum = 0;
  for (const s of samples) if (s.name === MetricNames.MONGODB_COMMANDS && !UPKEEP_COMMANDS.has(s.labels.command ?? '')) sum += s.value;
  return sum;
}

export type Snapshot = { at: number; processes: Map<string, ProcessCounters>; commands?: CommandCounts };

/** What a process did between two snapshots. */
export interface StageActivity {
  name: string;
  /** Records its processors handled per second (notify_records_processed_total, all outcomes). */
  processedPerSecond?: number;
  /** Consumer lag (notify_consumer_lag summed over partitions): highest sampled in the window, and at its end. */
  maxLag?: number;
  endLag?: number;
  cpuSeconds?: number;
  /** CPU seconds per wall second (1 = one core). */
  cpuCores?: number;
  /** Seconds spent in fetched batches per wall second (above 1 when partitions run concurrently). */
  busy?: number;
  recordsPerBatch?: number;
  meanTransactionMs?: number;
  /** Mean time from the request (x-notify-requested-at) to this stage's output (notify_e2e_latency_seconds). */
  meanSinceRequestMs?: number;
  /** Kafka transactions (offset commits at-least-once) per second, and input records each committed. */
  transactionsPerSecond?: number;
  recordsPerTransaction?: number;
  /** MongoDB data commands the service sent per second (driver command monitoring). */
  mongoCommandsPerSecond?: number;
}

const LAG_SAMPLE_MS = 1_000;
const SCRAPE_TIMEOUT_MS = 3_000;

async function scrape(p: MonitoredProcess): Promise<ProcessCounters> {
  const base: ProcessCounters = {
    processed: 0,
    lag: 0,
    batchSeconds: 0,
    batches: 0,
    transactionSeconds: 0,
    transactions: 0,
    e2eSeconds: 0,
    e2eCount: 0,
    transactionRecords: 0,
    mongoCommands: 0,
  };
  const cpu = cpuMs(p.pid);
  if (cpu !== undefined) base.cpuMs = cpu;
  if (!p.metrics) return base;
  try {
    const text = await Promise.race([
      p.metrics(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('metrics timeout')), SCRAPE_TIMEOUT_MS).unref(),
      ),
    ]);
    const s = parsePrometheusText(text);
    return {
      ...base,
      processed: sumOf(s, MetricNames.RECORDS_PROCESSED),
      lag: sumOf(s, MetricNames.CONSUMER_LAG),
      batchSeconds: sumOf(s, `${MetricNames.BATCH_DURATION}_sum`),
      batches: sumOf(s, `${MetricNames.BATCH_DURATION}_count`),
      transactionSeconds: sumOf(s, `${MetricNames.TRANSACTION_DURATION}_sum`),
      transactions: sumOf(s, `${MetricNames.TRANSACTION_DURATION}_count`),
      e2eSeconds: sumOf(s, `${MetricNames.E2E_LATENCY}_sum`),
      e2eCount: sumOf(s, `${MetricNames.E2E_LATENCY}_count`),
      transactionRecords: sumOf(s, `${MetricNames.TRANSACTION_RECORDS}_sum`),
      mongoCommands: dataCommands(s),
    };
  } catch {
    return base;
  }
}

/**
 * Watches the pipeline's processes: counters from each service's /metrics and CPU time from /proc on
 * demand, consumer lag every second, peak RSS every 200 ms.
 */
export class StageMonitor {
  private readonly rss = new Map<string, RssSampler>();
  private readonly lagSamples: Array<{ at: number; lag: Map<string, number> }> = [];
  private lagTimer?: NodeJS.Timeout;

  /** `store`: a client of the MongoDB server the services use, for its command counters. */
  constructor(
    private readonly processes: readonly MonitoredProcess[],
    private readonly store?: MongoClient,
  ) {}

  start(): void {
    for (const p of this.processes) this.rss.set(p.name, sampleRss(p.pid));
    const services = this.processes.filter((p) => p.metrics);
    this.lagTimer = setInterval(() => {
      void Promise.all(services.map(async (p) => [p.name, (await scrape(p)).lag] as const)).then((pairs) =>
        this.lagSamples.push({ at: Date.now(), lag: new Map(pairs) }),
      );
    }, LAG_SAMPLE_MS);
  }

  async snapshot(): Promise<Snapshot> {
    const [pairs, commands] = await Promise.all([
      Promise.all(this.processes.map(async (p) => [p.name, await scrape(p)] as const)),
      this.store ? commandCounts(this.store) : Promise.resolve(undefined),
    ]);
    return { at: Date.now(), processes: new Map(pairs), ...(commands ? { commands } : {}) };
  }

  /** The MongoDB server's commands per second between two snapshots. */
  storeActivity(from: Snapshot, to: Snapshot): StoreActivity | undefined {
    return storeActivity(from.commands, to.commands, (to.at - from.at) / 1000);
  }

  /** Per-process activity between two snapshots. */
  activity(from: Snapshot, to: Snapshot): StageActivity[] {
    const seconds = Math.max(0.001, (to.at - from.at) / 1000);
    const window = this.lagSamples.filter((s) => s.at >= from.at && s.at <= to.at);
    return this.processes.map((p) => {
      const a = from.processes.get(p.name)!;
      const b = to.processes.get(p.name)!;
      const out: StageActivity = { name: p.name };
      if (a.cpuMs !== undefined && b.cpuMs !== undefined) {
        out.cpuSeconds = (b.cpuMs - a.cpuMs) / 1000;
        out.cpuCores = out.cpuSeconds / seconds;
      }
      if (!p.metrics) return out;
      const processed = b.processed - a.processed;
      const batches = b.batches - a.batches;
      const transactions = b.transactions - a.transactions;
      out.processedPerSecond = processed / seconds;
      out.maxLag = Math.max(b.lag, ...window.map((s) => s.lag.get(p.name) ?? 0));
      out.endLag = b.lag;
      out.busy = (b.batchSeconds - a.batchSeconds) / seconds;
      if (batches > 0) out.recordsPerBatch = processed / batches;
      const e2eCount = b.e2eCount - a.e2eCount;
      if (e2eCount > 0) out.meanSinceRequestMs = ((b.e2eSeconds - a.e2eSeconds) * 1000) / e2eCount;
      if (transactions > 0) {
        out.meanTransactionMs = ((b.transactionSeconds - a.transactionSeconds) * 1000) / transactions;
        out.transactionsPerSecond = transactions / seconds;
        out.recordsPerTransaction = (b.transactionRecords - a.transactionRecords) / transactions;
      }
      out.mongoCommandsPerSecond = (b.mongoCommands - a.mongoCommands) / seconds;
      return out;
    });
  }

  /** Highest VmRSS seen per process, MiB. */
  peakRssMb(): Record<string, number> {
    return Object.fromEntries([...this.rss].map(([name, s]) => [name, Math.round(s.peakMb())]));
  }

  stop(): void {
    if (this.lagTimer) clearInterval(this.lagTimer);
    for (const s of this.rss.values()) s.stop();
  }
}
