// One chaos run from start to verdict: plan the workload, launch the pipeline, set the tenant up, start
// reading statuses, turn the faults on, offer the load, wait until the pipeline has caught up and drained,
// then check everything against the providers, the status topic and the MongoDB timelines.
import { fakeFcmToken } from '@notify/provider-emulators';
import { retryStep } from '@notify/runtime';
import { Collections } from '@notify/stores';
import { MongoClient } from 'mongodb';
import path from 'node:path';
import { launchPipeline, SERVICE_NAMES, type RunningPipeline, type ServiceName, type StackEndpoints } from '../../scripts/pipeline/launch.js';
import { REPO_ROOT } from '../../scripts/pipeline/service-process.js';
import { pipelineEnv, type ChaosConfig } from './chaos-config.js';
import { waitForDrain } from './drain.js';
import { FaultSupervisor } from './fault-supervisor.js';
import { pendingRecords } from './lag-probe.js';
import { otherPipelineMembers, preparePipelineGroups } from './pipeline-groups.js';
import { ensurePipelineTopics } from './pipeline-topics.js';
import { generateLoad, type LoadResult } from './load-generator.js';
import { expectedNotificationId } from './notification-ids.js';
import { withDigests } from './digests.js';
import { isComplete, outcomeOf, TERMINAL } from './notification-outcome.js';
import { emulatorReceipts, inboxReceipts, receiptContext } from './provider-receipts.js';
import { applyProviderFaults, providerCallStatuses } from './provider-faults.js';
import { machineInfo, type ChaosReport } from './report.js';
import { seededRandom } from './seeded-random.js';
import { prepareFaultServers, type FaultServers } from './stack-servers.js';
import { StatusCollector } from './status-collector.js';
import { setUpTenant } from './tenant-setup.js';
import { timelineKey, verify } from './verifier.js';
import { planWorkload, type PlannedRequest } from './workload.js';

export interface ChaosRunOptions {
  config: ChaosConfig;
  stack: StackEndpoints;
  /** The local stack's Kafka/MongoDB/Redis may be restarted in place. */
  allowStackRestart: boolean;
  /** MongoDB/Redis that may not be restarted in place are replaced by private servers (when available). */
  privateStores: boolean;
  log?: (msg: string) => void;
  /** More variables for single services (e.g. LOG_LEVEL=debug for one under investigation). */
  extraServiceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

const PROGRESS_CACHE_MS = 1_000; // 1 s

/** Kill switches of the runs under way: their services and private servers. */
const activeRuns = new Set<() => void>();

/**
 * Kills the services and private servers of every run still under way, synchronously: for a signal or
 * exit handler, or a test hook after a timeout, when the run itself can no longer clean up.
 */
export function killActiveRuns(): void {
  for (const kill of activeRuns) kill();
  activeRuns.clear();
}

export async function runChaos(options: ChaosRunOptions): Promise<ChaosReport> {
  const { config } = options;
  const began = Date.now();
  const log = options.log ?? ((msg: string) => console.log(`[chaos +${((Date.now() - began) / 1000).toFixed(0)}s] ${msg}`));
  const tenantId = `chaos-${Date.now().toString(36)}`;
  const logDir = path.join(REPO_ROOT, 'reports', 'logs', tenantId);
  const problems: string[] = [];
  const workload = planWorkload({ tenantId, notifications: config.notifications, restShare: config.restShare, seed: config.seed });
  const requestsByVia = { rest: workload.requests.filter((r) => r.via === 'REST').length, kafka: workload.requests.filter((r) => r.via === 'KAFKA').length };
  log(`tenant ${tenantId}: ${workload.notifications.size} notifications in ${workload.requests.length} requests (${requestsByVia.rest} REST, ${requestsByVia.kafka} Kafka), ${workload.recipients.length} recipients; logs in ${path.relative(REPO_ROOT, logDir)}`);

  let servers: FaultServers | undefined;
  let pipeline: RunningPipeline | undefined;
  let collector: StatusCollector | undefined;
  let supervisor: FaultSupervisor | undefined;
  let mongo: MongoClient | undefined;
  const killAll = () => {
    for (const p of pipeline?.processes.values() ?? []) p.kill('SIGKILL');
    servers?.killNow();
  };
  activeRuns.add(killAll);
  process.once('exit', killAll);
  try {
    servers = await prepareFaultServers(options.stack, { wanted: config.infraRestarts, allowStackRestart: options.allowStackRestart, privateStores: options.privateStores, log });
    for (const s of servers.skipped) log(`no ${s.server} restart: ${s.reason}`);
    const stack = servers.env;
    const env = pipelineEnv(config);
    // Client and transactional ids of the run's own: another pipeline is neither fenced nor taken for this one.
    const clientPrefix = `${tenantId}-`;
    const serviceEnv = Object.fromEntries(
      SERVICE_NAMES.map((n) => [
        n,
        {
          INSTANCE_ID: `${clientPrefix}${n}`,
          KAFKA_CLIENT_ID: `${clientPrefix}${n}`,
          ...(n.startsWith('sender-') ? env.sender : n === 'ingest' ? env.ingest : {}),
          ...options.extraServiceEnv?.[n],
        },
      ]),
    );
    const brokerList = stack.KAFKA_BROKERS.split(',');
    const created = await ensurePipelineTopics(brokerList, config.retryDelaysMs.length);
    if (created.length > 0) log(`created ${created.length} pipeline topics`);
    // Partitions of topics just created may have no leader yet (NOT_LEADER_FOR_PARTITION on a fresh broker).
    const groups = await retryStep('prepare the consumer groups', () => preparePipelineGroups(brokerList, config.retryDelaysMs.length, config.exclusiveWaitMs, log));
    if (groups.shared.length > 0) problems.push(`another pipeline shared the consumer groups from the start (${groups.shared.map((m) => `${m.group}: ${m.clientId}`).join(', ')})`);
    if (Object.keys(groups.skipped).length > 0) log(`skipped records earlier runs left behind: ${JSON.stringify(groups.skipped)}`);
    log('launching the pipeline');
    pipeline = await launchPipeline({ stack, logDir, env: env.all, serviceEnv });
    const running = pipeline;

    mongo = new MongoClient(stack.MONGODB_URI, { serverSelectionTimeoutMS: 30_000 });
    await mongo.connect();
    const db = mongo.db();
    const deviceTokens = workload.recipients.map(() => fakeFcmToken());
    const setup = await setUpTenant({ db, workload, deviceTokens, webhookBaseUrl: running.emulators.webhook.url });
    running.emulators.fcm.control.unregisterTokens(...workload.recipients.filter((r) => r.cohort === 'deadToken').map((r) => setup.tokens.get(r.userId)!));

    const brokers = brokerList;
    collector = new StatusCollector({ brokers, registryUrl: stack.SCHEMA_REGISTRY_URL, tenantId, log });
    await collector.start();
    const statuses = collector;

    // Finished notifications among those planned and the digests their items ended in, recomputed at most
    // once a second.
    let cached = { at: 0, complete: 0, total: workload.notifications.size };
    const progress = () => {
      if (Date.now() - cached.at < PROGRESS_CACHE_MS) return cached;
      let complete = 0;
      const plans = withDigests(workload.notifications, statuses.byNotification);
      for (const [id, plan] of plans) {
        const records = statuses.byNotification.get(id);
        if (records && isComplete(outcomeOf(records), plan.expect)) complete += 1;
      }
      cached = { at: Date.now(), complete, total: plans.size };
      return cached;
    };
    const setupDone = Date.now();

    applyProviderFaults(running.emulators, config.providerFaults);
    const killable = (config.killServices.length ? config.killServices : SERVICE_NAMES) as ServiceName[];
    supervisor = new FaultSupervisor({
      pipeline: running,
      servers,
      config,
      services: killable,
      random: seededRandom(config.seed + 1),
      progress: () => progress().complete / progress().total,
      log,
    });
    supervisor.start();

    log('offering the load');
    const expectedIds = (r: PlannedRequest) => r.recipients.map((u) => expectedNotificationId(tenantId, r.key, u));
    const load: LoadResult = await generateLoad(
      workload,
      {
        ingestUrl: running.ingestUrl,
        apiKey: setup.apiKey,
        brokers,
        registryUrl: stack.SCHEMA_REGISTRY_URL,
        restBatchSize: config.restBatchSize,
        restConcurrency: config.restConcurrency,
        kafkaChunk: config.kafkaChunk,
        ratePerSecond: config.ratePerSecond,
        scheduleDelayMs: config.scheduleDelayMs,
        log,
      },
      expectedIds,
    );
    const loadDone = Date.now();
    log(`load done: ${load.acceptedNotifications}/${workload.notifications.size} notifications accepted in ${((loadDone - setupDone) / 1000).toFixed(0)} s`);
    if (load.acceptedNotifications < workload.notifications.size) problems.push(`${workload.notifications.size - load.acceptedNotifications} notifications were never accepted (REST gave up ${load.rest.gaveUp.length} requests, rejected ${load.rest.rejected.length}; Kafka gave up ${load.kafka.gaveUp.length})`);

    // Faults go on while the pipeline catches up with the load; then everything comes back and drains.
    const catchUpDeadline = Date.now() + config.drainTimeoutMs;
    let lastLog = Date.now();
    while (progress().complete < progress().total && Date.now() - statuses.lastEventAt < config.idleMs && Date.now() < catchUpDeadline) {
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(`catching up: ${progress().complete}/${progress().total} finished, ${supervisor.killCount} kills so far`);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    log(`faults off (${supervisor.killCount} kills); waiting for the pipeline to drain`);
    await supervisor.stopFaults();
    const catchUpDone = Date.now();
    const drain = await waitForDrain({
      progress: () => ({ complete: progress().complete, total: progress().total }),
      lastEventAt: () => statuses.lastEventAt,
      idleMs: config.idleMs,
      timeoutMs: Math.max(60_000, catchUpDeadline - Date.now()),
      trackerTimeoutMs: config.trackerTimeoutMs,
      schedulerBacklog: () => db.collection(Collections.scheduled).countDocuments({ tenantId, state: 'pending' }),
      pending: () => {
        const plans = withDigests(workload.notifications, statuses.byNotification);
        return pendingRecords({
          brokers,
          retryTiers: config.retryDelaysMs.length,
          belongs: (key) => key.startsWith(`${tenantId}:`) || plans.has(key),
        });
      },
      log,
    });
    await supervisor.stop();
    const drainDone = Date.now();
    const others = await otherPipelineMembers(brokerList, clientPrefix).catch(() => []);
    if (others.length > 0) problems.push(`another pipeline joined the consumer groups during the run (${others.map((m) => `${m.group}: ${m.clientId}`).join(', ')}): its services took some of this run's records`);
    log(
      `${drain.drained ? 'drained' : 'NOT drained'} after ${(drain.waitedMs / 1000).toFixed(0)} s: ${drain.complete}/${drain.total} finished` +
        `${drain.drained && !drain.trackerCaughtUp ? `; the status tracker is still ${drain.pending.total} events behind` : ''}; verifying`,
    );
    if (!drain.drained) problems.push(`the pipeline did not drain within the wait (scheduler backlog ${drain.schedulerBacklog}, run records in topics ${JSON.stringify(drain.pending.byTopic)})`);

    const receipts = [...emulatorReceipts(running.emulators, receiptContext(workload, setup.tokens)), ...(await inboxReceipts(db, tenantId))];
    const timeline = new Set<string>();
    const events = db.collection<{ notificationId: string; status: string; channel?: string | null }>(Collections.notificationEvents);
    for await (const e of events.find({ tenantId, status: { $in: [...TERMINAL] } }, { projection: { notificationId: 1, status: 1, channel: 1 } })) {
      timeline.add(timelineKey(e.notificationId, e.status, (e.channel ?? null) as never));
    }
    const verdict = verify({
      workload,
      acceptedKeys: load.accepted,
      statuses: statuses.byNotification,
      receipts,
      timeline,
      timelineFinal: drain.trackerCaughtUp,
      faults: supervisor.events,
      crashWindowMs: config.crashWindowMs,
    });
    if (load.idMismatches.length > 0) problems.push(`${load.idMismatches.length} REST answers named other notification ids than expected`);

    const killsByService: Record<string, number> = {};
    const faultsByKind: Record<string, number> = {};
    for (const e of supervisor.events) {
      if (e.kind === 'unexpected-exit' || e.kind === 'infra-restart') continue;
      killsByService[e.target] = (killsByService[e.target] ?? 0) + 1;
      faultsByKind[e.kind] = (faultsByKind[e.kind] ?? 0) + 1;
    }
    for (const e of supervisor.events.filter((f) => (f.kind === 'term' || f.kind === 'pause') && !f.ok)) {
      problems.push(`${e.kind} of ${e.target} went wrong: ${e.detail ?? 'no detail'}`);
    }
    return {
      generatedAt: new Date().toISOString(),
      tenantId,
      ok: verdict.ok && problems.length === 0,
      durationSeconds: (Date.now() - began) / 1000,
      phases: {
        setupSeconds: (setupDone - began) / 1000,
        loadSeconds: (loadDone - setupDone) / 1000,
        catchUpSeconds: (catchUpDone - loadDone) / 1000,
        drainSeconds: (drainDone - catchUpDone) / 1000,
      },
      machine: machineInfo(),
      config,
      stack: { restartable: servers.restartable, skipped: servers.skipped },
      load: {
        requests: requestsByVia,
        notifications: workload.notifications.size,
        acceptedNotifications: load.acceptedNotifications,
        rest: load.rest,
        kafka: load.kafka,
        idMismatches: load.idMismatches,
      },
      faults: {
        kills: supervisor.killCount,
        killsByService,
        faultsByKind,
        unexpectedExits: supervisor.events.filter((e) => e.kind === 'unexpected-exit'),
        infraRestarts: supervisor.events.filter((e) => e.kind === 'infra-restart'),
        events: supervisor.events,
      },
      providerCalls: providerCallStatuses(running.emulators),
      statusReader: { events: statuses.events, undecodable: statuses.undecodable, recreated: statuses.recreated },
      drain,
      verdict,
      problems,
      logDir: path.relative(REPO_ROOT, logDir),
    };
  } finally {
    activeRuns.delete(killAll);
    process.off('exit', killAll);
    await supervisor?.stop().catch(() => undefined);
    await collector?.stop().catch(() => undefined);
    await pipeline?.stop().catch((err: Error) => log(`stopping the pipeline: ${err.message}`));
    await mongo?.close().catch(() => undefined);
    await servers?.stop().catch(() => undefined);
  }
}
