// `npm run bench -- e2e`: the whole pipeline, every service its own process against the real stack, with
// the SendGrid emulator answering after BENCH_PROVIDER_LATENCY_MS. Requests go in through REST (batch
// endpoint, concurrent clients) and Kafka (notify.requests.v1); a notification counts when the emulator
// accepts it, matched to its request by a ref rendered into the subject. Per path: sustained throughput at
// saturation (closed loop, bounded in-flight window), then latency request → provider accepted at fixed
// offered loads up to that saturation. Per process: records/s and consumer lag from /metrics, CPU and peak
// RSS from /proc (the stack's servers too). As the reference, a chain of bare kafkajs relays with as many
// hops as the Kafka path, run after the pipeline has stopped. Writes reports/bench/e2e.json and
// reports/bench/e2e.svg and prints a summary.
//
// Isolation on a shared machine: the services use a MongoDB database and a Redis keyspace of the run's own
// (same servers; emptied before and after), unique client and transactional ids, and the run waits (up to
// BENCH_EXCLUSIVE_WAIT_MS) until no other pipeline is in the `notify.*` consumer groups, whose names are
// fixed; phases that shared them anyway are flagged.
//
// Environment (defaults in test/bench/e2e/config.ts): BENCH_PROVIDER_LATENCY_MS (50), BENCH_RATES
// (100,500,1000), BENCH_LOAD_SECONDS (12), BENCH_SATURATION_SECONDS (30), BENCH_WINDOW (1500),
// BENCH_REST_CLIENTS (8), BENCH_REST_BATCH (50), BENCH_PATHS (rest,kafka), BENCH_RELAY_HOPS (5),
// BENCH_RELAY_RECORDS (30000), BENCH_PARTITIONS_CONCURRENCY and BENCH_TRANSACTION_MAX_RECORDS (the
// runtime's defaults), BENCH_ALL_SERVICES (false: only the services on the measured path, plus the
// status tracker), BENCH_DRAIN_TIMEOUT_MS (60000), BENCH_SHARED_STORES (false), BENCH_REDIS_DB (9),
// BENCH_EXCLUSIVE_WAIT_MS (600000), BENCH_COMPILED (true: the services' built JavaScript, as the container
// image runs it; false: their sources through tsx).
import { Topics } from '@notify/schemas';
import { MongoClient } from 'mongodb';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildServices,
  launchPipeline,
  SERVICE_NAMES,
  type RunningPipeline,
  type ServiceName,
} from '../../scripts/pipeline/launch.js';
import { kafka, testSerde } from '../support/kafka.js';
import type { ServiceProcess } from '../support/service-process.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';
import { AcceptanceTracker } from './e2e/acceptance-tracker.js';
import {
  BENCH_DATABASE,
  collectionSizes,
  emptyDatabase,
  withDatabase,
  withRedisDb,
} from './e2e/bench-stores.js';
import { createBenchTenant } from './e2e/bench-tenant.js';
import { loadE2eConfig, type E2eConfig } from './e2e/config.js';
import { KafkaTarget, RefSequence, RestTarget, type LoadTarget } from './e2e/load-targets.js';
import { loadPhase, saturationPhase, type PhaseContext, type PhaseResult } from './e2e/phases.js';
import { runRelayChain, type RelayChainResult } from './e2e/relay-chain.js';
import {
  foreignMembers,
  skipAbandonedBacklog,
  waitForFreeGroups,
  type GroupMember,
  serviceGroups,
} from './e2e/group-sharing.js';
import { StageMonitor, type MonitoredProcess } from './e2e/stage-monitor.js';
import {
  phaseTable,
  relayLine,
  slowestStage,
  costTable,
  stageLatencyTable,
  stageTable,
  storeTable,
} from './e2e/summary.js';
import { e2eChartSvg, type LatencySeries } from './e2e/svg-chart.js';
import { listeningPid, portOf } from './lib/listening-process.js';
import { writeReport } from './lib/report.js';
import { stopProcess } from './lib/run-variant.js';

const REPORT_FILE = path.join(REPO_ROOT, 'reports', 'bench', 'e2e.json');
const CHART_FILE = path.join(REPO_ROOT, 'reports', 'bench', 'e2e.svg');
const READY_TIMEOUT_MS = 90_000; // 90 s
const WARMUP = { rate: 50, seconds: 4 }; // caches, connections and JIT before anything is measured
const KAFKA_BATCH = 250; // requests per produce call
const ON_PATH: readonly ServiceName[] = [
  'ingest',
  'enrichment',
  'preference-filter',
  'channel-router',
  'sender-sendgrid',
];
const COLORS = { rest: '#1f77b4', kafka: '#d62728', relay: '#2ca02c', e2e: '#555' };

let config: E2eConfig;
try {
  config = loadE2eConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

const SERVICES: readonly ServiceName[] = config.statusTracker ? [...ON_PATH, 'status-tracker'] : ON_PATH;
const log = (msg: string) => console.log(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}`);
const stack = stackEnv();
const runTag = uniqueName('e2e').replace(/-/g, '_');
// The services' stores: the stack's servers, with a database and Redis keyspace of this run's own by default.
const env = config.ownStores
  ? {
      ...stack,
      MONGODB_URI: withDatabase(stack.MONGODB_URI, BENCH_DATABASE),
      REDIS_URL: withRedisDb(stack.REDIS_URL, config.redisDb),
    }
  : stack;
const relays = new Set<ServiceProcess>();
let pipeline: RunningPipeline | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n[bench] ${signal}: stopping every process the benchmark started`);
    for (const p of relays) p.kill('SIGKILL');
    for (const p of pipeline?.processes.values() ?? []) p.kill('SIGKILL');
    process.exit(130);
  });
}

const began = Date.now();
// Unique client and transactional ids: another pipeline on the broker is neither fenced nor mistaken for ours.
const clientPrefix = `bench-${runTag}-`;
const loadBefore = os.loadavg();
const mongo = new MongoClient(env.MONGODB_URI);
const phases: PhaseResult[] = [];
const peakRssMb: Record<string, number> = {};
const cpuSeconds: Record<string, number> = {};
let relay: RelayChainResult | undefined;
let failure: string | undefined;
let sharedAtStart: GroupMember[] = [];
let skippedBacklog: Record<string, number> = {};
let storeSizes: { before?: Record<string, number>; after?: Record<string, number> } = {};
const admin = kafka.admin();

log(
  `e2e: provider latency ${config.providerLatencyMs} ms, paths ${config.paths.join(', ')}, rates ${config.rates.join(', ')}/s, ` +
    `PARTITIONS_CONCURRENCY ${config.partitionsConcurrency}, TRANSACTION_MAX_RECORDS ${config.transactionMaxRecords}, ` +
    `services ${config.compiled ? 'built (node dist/main.js)' : 'from sources (tsx)'}`,
);
try {
  await mongo.connect();
  await admin.connect();
  sharedAtStart = await waitForFreeGroups(admin, config.exclusiveWaitMs, log);
  if (sharedAtStart.length)
    log(`WARNING: starting while another pipeline shares the consumer groups; figures will be wrong`);
  if (config.ownStores) await emptyDatabase(mongo.db());
  skippedBacklog = await skipAbandonedBacklog(kafka, admin, serviceGroups(SERVICES, config.retryTiers));
  const skipped = Object.values(skippedBacklog).reduce((a, b) => a + b, 0);
  if (skipped)
    log(
      `skipped ${skipped} records earlier runs left in the pipeline's topics (${Object.keys(skippedBacklog).join(', ')})`,
    );
  log(
    `starting ${config.allServices ? 'every service' : SERVICES.join(', ')} (after any other launched pipeline on this machine has stopped)`,
  );
  if (config.compiled) {
    log('building the services (turbo run build)');
    buildServices();
  }
  pipeline = await launchPipeline({
    compiled: config.compiled,
    stack: {
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
      MONGODB_URI: env.MONGODB_URI,
      REDIS_URL: env.REDIS_URL,
    },
    logDir: path.join(REPO_ROOT, 'reports', 'logs', `bench-e2e-${Date.now()}`),
    env: {
      PARTITIONS_CONCURRENCY: String(config.partitionsConcurrency),
      TRANSACTION_MAX_RECORDS: String(config.transactionMaxRecords),
      LAG_INTERVAL_MS: '2000', // fresher than production's 15 s, for the lag samples
    },
    serviceEnv: Object.fromEntries(
      (config.allServices ? SERVICE_NAMES : SERVICES).map((name) => [
        name,
        {
          INSTANCE_ID: `${clientPrefix}${name}`,
          KAFKA_CLIENT_ID: `${clientPrefix}${name}`,
          ...config.serviceEnv[name],
        },
      ]),
    ),
    ...(config.allServices ? {} : { only: SERVICES }),
  });
  const p = pipeline;
  p.emulators.sendgrid.control.setLatency({ fixedMs: config.providerLatencyMs });

  storeSizes = { before: await collectionSizes(mongo.db()) };
  const tenant = await createBenchTenant(mongo.db(), p.ingestUrl, uniqueName('bench'), config.recipients);
  const tracker = new AcceptanceTracker(p.emulators.sendgrid);
  const refs = new RefSequence(uniqueName('r'));
  const serde = await testSerde([Topics.requests]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const monitored: MonitoredProcess[] = [...p.processes.values()].map((s) => ({
    name: s.name,
    pid: s.child.pid!,
    metrics: () => s.metrics(),
  }));
  monitored.push({ name: 'bench (load + emulators)', pid: process.pid });
  for (const [name, address] of [
    ['kafka', env.KAFKA_BROKERS],
    ['schema-registry', env.SCHEMA_REGISTRY_URL],
    ['mongodb', stack.MONGODB_URI],
    ['redis', stack.REDIS_URL],
  ] as const) {
    const port = portOf(address);
    const pid = port === undefined ? undefined : listeningPid(port);
    if (pid !== undefined) monitored.push({ name, pid });
  }
  const monitor = new StageMonitor(monitored, mongo);
  monitor.start();
  const ctx: PhaseContext = { tracker, monitor, drainTimeoutMs: config.drainTimeoutMs, log };

  const targets: LoadTarget[] = config.paths.map((path) =>
    path === 'rest'
      ? new RestTarget(p.ingestUrl, tenant, tracker, refs)
      : new KafkaTarget(producer, serde, tenant, tracker, refs),
  );
  const run = async (phase: Promise<PhaseResult>) => {
    const result = await phase;
    const foreign = await foreignMembers(admin, clientPrefix).catch(() => []);
    result.foreignGroupMembers = foreign.length;
    if (foreign.length)
      log(
        `WARNING: ${foreign.length} members of another pipeline in ${[...new Set(foreign.map((m) => m.group))].join(', ')}: ${result.name} shared its partitions`,
      );
    phases.push(result);
    return result;
  };
  const maxBatch = (t: LoadTarget) => (t.path === 'rest' ? config.restBatch : KAFKA_BATCH);
  for (const t of targets)
    await run(
      loadPhase(ctx, t, {
        rate: WARMUP.rate,
        seconds: WARMUP.seconds,
        maxBatch: maxBatch(t),
        kind: 'warmup',
      }),
    );

  const runStart = await monitor.snapshot();
  for (const t of targets) {
    const sat = await run(
      saturationPhase(ctx, t, {
        seconds: config.saturationSeconds,
        warmupSeconds: config.saturationWarmupSeconds,
        window: config.window,
        batch: t.path === 'rest' ? config.restBatch : KAFKA_BATCH,
        clients: t.path === 'rest' ? config.restClients : 2,
      }),
    );
    const ceiling = sat.throughputPerSecond ?? 0;
    const rates = config.rates.filter((r) => r < ceiling);
    for (const r of config.rates.filter((r) => r >= ceiling))
      log(`${t.path} ${r}/s: skipped, above the saturation rate (${Math.round(ceiling)}/s)`);
    if (config.loadAtSaturation && ceiling >= 1) rates.push(Math.round(ceiling));
    for (const rate of rates)
      await run(loadPhase(ctx, t, { rate, seconds: config.loadSeconds, maxBatch: maxBatch(t) }));
  }
  const runEnd = await monitor.snapshot();
  for (const a of monitor.activity(runStart, runEnd))
    if (a.cpuSeconds !== undefined) cpuSeconds[a.name] = Math.round(a.cpuSeconds * 10) / 10;
  tracker.stop();
  monitor.stop();
  Object.assign(peakRssMb, monitor.peakRssMb());
  await producer.disconnect();
  storeSizes.after = await collectionSizes(mongo.db());
  if (tracker.foreign) log(`${tracker.foreign} accepted mails were not the benchmark's`);
} catch (err) {
  failure = (err as Error).stack ?? String(err);
  console.error(`[bench] failed: ${failure}`);
} finally {
  // Emptied while the pipeline, and so the machine's pipeline lock, is still up: no other run is using it.
  if (config.ownStores && pipeline)
    await emptyDatabase(mongo.db()).catch((err: unknown) =>
      console.error(`[bench] emptying ${BENCH_DATABASE}: ${String(err)}`),
    );
  log('stopping the pipeline');
  await pipeline
    ?.stop()
    .catch((err: unknown) => console.error(`[bench] stopping the pipeline: ${String(err)}`));
  await mongo.close().catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
}

if (!failure) {
  // After the pipeline is gone, so the relays have the machine to themselves as the services had.
  relay = await runRelayChain(
    {
      hops: config.relayHops,
      records: config.relayRecords,
      partitions: config.relayPartitions,
      readyTimeoutMs: READY_TIMEOUT_MS,
      timeoutMs: config.relayTimeoutMs,
    },
    (proc) => relays.add(proc),
    (msg) => log(`relay chain: ${msg}`),
  );
  for (const r of relays) await stopProcess(r);
}

const saturations = phases.filter((p) => p.kind === 'saturation');
const headline = Object.fromEntries(
  saturations.map((s) => {
    const slowest = slowestStage(s, ON_PATH);
    const relayRate = relay?.steadyPerSecond;
    return [
      s.path,
      {
        deliveredPerSecond: s.throughputPerSecond,
        intakePerSecond: s.intakePerSecond,
        fractionOfRelayChain:
          relayRate && s.throughputPerSecond !== undefined ? s.throughputPerSecond / relayRate : undefined,
        slowestStage: slowest.name,
        slowestStageMaxLag: slowest.maxLag,
        latencyByOfferedLoad: phases
          .filter((p) => p.path === s.path && p.kind === 'load')
          .map((p) => ({
            offeredPerSecond: p.offeredPerSecond,
            p50: p.latencyMs?.p50,
            p95: p.latencyMs?.p95,
            p99: p.latencyMs?.p99,
            missing: p.missing,
          })),
      },
    ];
  }),
);

writeReport(REPORT_FILE, {
  benchmark: 'e2e',
  generatedAt: new Date().toISOString(),
  durationSeconds: (Date.now() - began) / 1000,
  machine: {
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageBefore: loadBefore,
    loadAverageAfter: os.loadavg(),
  },
  note: 'Shared machine: other test suites may run at the same time; compare figures from runs close together.',
  config,
  services: config.allServices ? 'all' : SERVICES,
  otherPipelineAtStart: sharedAtStart,
  skippedBacklog,
  stores: {
    own: config.ownStores,
    mongodb: env.MONGODB_URI,
    redis: env.REDIS_URL,
    collectionSizes: storeSizes,
  },
  headline,
  phases,
  relayChain: relay,
  cpuSecondsOverMeasuredPhases: cpuSeconds,
  peakRssMb,
  ...(failure ? { error: failure } : {}),
});

const latencySeries: LatencySeries[] = saturations.map((s) => ({
  label: s.path === 'rest' ? 'REST' : 'Kafka',
  color: COLORS[s.path],
  points: phases
    .filter((p) => p.path === s.path && p.kind === 'load' && p.latencyMs)
    .map((p) => ({
      rate: p.offeredPerSecond!,
      p50: p.latencyMs!.p50,
      p95: p.latencyMs!.p95,
      p99: p.latencyMs!.p99,
    })),
}));
const stageNames = ON_PATH.filter((n) => saturations.some((s) => s.stages.some((a) => a.name === n)));
const chartStages = [...stageNames, 'status-tracker'];
fs.writeFileSync(
  CHART_FILE,
  e2eChartSvg(
    'notify end to end',
    `provider latency ${config.providerLatencyMs} ms · PARTITIONS_CONCURRENCY ${config.partitionsConcurrency} · ${os.cpus().length} cores · ${new Date().toISOString().slice(0, 16)}Z`,
    latencySeries,
    {
      stages: chartStages,
      series: saturations.map((s) => ({
        label: `${s.path === 'rest' ? 'REST' : 'Kafka'} saturation`,
        color: COLORS[s.path],
        values: chartStages.map((n) => s.stages.find((a) => a.name === n)?.processedPerSecond),
      })),
      references: [
        ...saturations.map((s) => ({
          label: `${s.path === 'rest' ? 'REST' : 'Kafka'} delivered`,
          value: s.throughputPerSecond ?? 0,
          color: COLORS[s.path],
        })),
        ...(relay?.steadyPerSecond
          ? [
              {
                label: `bare relay chain (${relay.hops} hops)`,
                value: relay.steadyPerSecond,
                color: COLORS.relay,
              },
            ]
          : []),
      ].filter((r) => r.value > 0),
    },
  ),
);

console.log(`\n${phaseTable(phases)}\n`);
if (saturations.length) console.log(`${stageTable(saturations, peakRssMb)}\n`);
if (saturations.length) console.log(`${costTable(saturations)}\n`);
if (phases.some((p) => p.store)) console.log(`${storeTable(phases)}\n`);
const loads = phases.filter((p) => p.kind === 'load');
if (loads.length)
  console.log(
    `${stageLatencyTable(
      loads,
      ON_PATH.filter((n) => n !== 'ingest' || config.paths.includes('kafka')),
    )}\n`,
  );
console.log(
  'delivered/s: provider acceptances/s at saturation (after its warm-up); intake/s: notifications the entry point took per second;',
);
console.log(
  'p50..p99: request → provider accepted (REST: client send time; Kafka: x-notify-requested-at), including the provider latency;',
);
console.log('call p50/p99: one REST batch call (or one Kafka produce of a chunk of requests), from sending it to its answer;');
console.log(
  'rec/s: notify_records_processed_total per second; cpu: cores used; busy: seconds in fetched batches per second;',
);
console.log(
  "txn ms: mean Kafka transaction; →stage ms: mean time from the request to that stage's output (notify_e2e_latency_seconds).",
);
if (relay) console.log(relayLine(relay));
for (const [p, h] of Object.entries(headline)) {
  const frac = h.fractionOfRelayChain === undefined ? '-' : `${(h.fractionOfRelayChain * 100).toFixed(1)}%`;
  console.log(
    `${p}: ${Math.round(h.deliveredPerSecond ?? 0)} notifications/s delivered at saturation = ${frac} of the bare relay chain; slowest stage ${h.slowestStage} (lag up to ${Math.round(h.slowestStageMaxLag)})`,
  );
}
const shared = phases.filter((ph) => ph.foreignGroupMembers);
if (sharedAtStart.length || shared.length)
  console.error(
    `[bench] WARNING: another pipeline shared the consumer groups (${sharedAtStart.length ? 'at start; ' : ''}${shared.map((ph) => ph.name).join(', ')}): its services took some of these records`,
  );
const lost = phases.filter((ph) => ph.missing > 0 || ph.duplicates > 0);
for (const ph of lost)
  console.error(
    `[bench] ${ph.name}: ${ph.missing} not delivered in time, ${ph.duplicates} duplicates${ph.errors.length ? `; errors: ${ph.errors.join(' | ')}` : ''}`,
  );
console.log(
  `[bench] report written to ${path.relative(REPO_ROOT, REPORT_FILE)} and ${path.relative(REPO_ROOT, CHART_FILE)} in ${Math.round((Date.now() - began) / 1000)} s`,
);
process.exit(failure || relay?.error || phases.some((ph) => ph.duplicates > 0) ? 1 : 0);
