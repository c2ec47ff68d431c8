// What one chaos run does: how much load, which faults, how long to wait. Every field has a CHAOS_*
// variable; `chaosConfigFromEnv` reads them over a set of defaults.

export const INFRA_SERVERS = ['kafka', 'mongo', 'redis'] as const;
export type InfraServer = (typeof INFRA_SERVERS)[number];

/**
 * What the supervisor does to a service each interval: `kill` SIGKILLs it and starts it again; `term`
 * restarts it gracefully (SIGTERM, which must exit 0); `pause` SIGSTOPs it past its session timeout while a
 * replacement takes its partitions over, then SIGCONTs it: the woken member must be fenced, not commit.
 */
export const SERVICE_FAULTS = ['kill', 'term', 'pause'] as const;
export type ServiceFault = (typeof SERVICE_FAULTS)[number];

export interface ProviderFaults {
  /** Fraction of provider calls answered 5xx (SMTP: a transient 4xx reply). */
  rate5xx: number;
  /** Fraction of provider calls answered 429. */
  rate429: number;
  /** Latency added to every call. */
  latencyMs: number;
  /** Extra latency of a spike; kept well under the senders' SEND_TIMEOUT_MS. */
  spikeMs: number;
  /** Fraction of calls that get a spike. */
  spikeRate: number;
}

export interface ChaosConfig {
  /** Notifications to send (one per recipient of each request). */
  notifications: number;
  /** Share of requests sent over REST; the rest go to notify.requests.v1. */
  restShare: number;
  /** Requests per REST batch call (the API takes at most 100). */
  restBatchSize: number;
  /** REST batch calls in flight at once. */
  restConcurrency: number;
  /** Kafka requests per producer transaction. */
  kafkaChunk: number;
  /** Notifications per second offered by the load generator; 0 for as fast as its concurrency allows. */
  ratePerSecond: number;
  /** Time between two service kills. */
  killIntervalMs: number;
  /** Service kills in the whole run (Infinity: until the pipeline has caught up). */
  maxKills: number;
  /** Services allowed to be down (killed, not yet ready again) at the same time. */
  maxDown: number;
  /** Services the supervisor may kill; empty for all of them. */
  killServices: string[];
  /** Faults the supervisor picks from at each interval. */
  serviceFaults: ServiceFault[];
  /** How long a paused service stays stopped: longer than the session timeout, shorter than the senders' claim TTL. */
  pauseMs: number;
  /** KAFKA_SESSION_TIMEOUT_MS of every service. */
  sessionTimeoutMs: number;
  /** Stack servers restarted once each, in this order, spread over the run. */
  infraRestarts: InfraServer[];
  /** Fractions of the planned notifications that must have reached a terminal state before each restart. */
  infraRestartAt: number[];
  providerFaults: ProviderFaults;
  /** RETRY_DELAYS_MS of every service. */
  retryDelaysMs: number[];
  /** The senders' CLAIM_TTL_MS: longer than a pause (see pipelineEnv). */
  claimTtlMs: number;
  /** ingest's IDEMPOTENCY_LEASE_MS: must stay below the sum of the retry delays. */
  idempotencyLeaseMs: number;
  /** Delay of the scheduled share of notifications (scheduledFor = first send + this). */
  scheduleDelayMs: number;
  /** Longest wait for the pipeline to drain after the load. */
  drainTimeoutMs: number;
  /** Longest further wait for the status tracker to record everything in MongoDB once the rest has drained. */
  trackerTimeoutMs: number;
  /** Quiet time (no new status event, nothing in flight) after which unfinished notifications are given up. */
  idleMs: number;
  /** A provider duplicate counts as in the crash window when its sender was killed (or its ledger store restarted) this soon after the first copy. */
  crashWindowMs: number;
  /** How long to wait for another pipeline to leave the consumer groups before starting. */
  exclusiveWaitMs: number;
  /** Seed of the workload and of the supervisor's choices. */
  seed: number;
}

export const DEFAULT_CONFIG: ChaosConfig = {
  notifications: 100_000,
  restShare: 0.5,
  restBatchSize: 50,
  restConcurrency: 4,
  kafkaChunk: 200,
  ratePerSecond: 0,
  killIntervalMs: 5_000, // 5 s
  maxKills: Number.POSITIVE_INFINITY,
  maxDown: 2,
  killServices: [],
  serviceFaults: [...SERVICE_FAULTS],
  pauseMs: 40_000, // 40 s: past the session timeout, inside the claim TTL
  sessionTimeoutMs: 30_000, // 30 s, the services' default
  infraRestarts: [...INFRA_SERVERS],
  infraRestartAt: [0.2, 0.45, 0.7],
  providerFaults: { rate5xx: 0.1, rate429: 0.05, latencyMs: 5, spikeMs: 1_500, spikeRate: 0.02 },
  retryDelaysMs: [1_000, 10_000, 60_000], // the services' defaults: 1 s, 10 s, 1 min
  claimTtlMs: 60_000, // 1 min, the senders' default
  idempotencyLeaseMs: 30_000, // 30 s, ingest's default
  scheduleDelayMs: 10_000, // 10 s
  drainTimeoutMs: 20 * 60_000, // 20 min
  trackerTimeoutMs: 10 * 60_000, // 10 min
  idleMs: 90_000, // 90 s: longer than the last retry tier
  crashWindowMs: 5_000, // 5 s
  exclusiveWaitMs: 10 * 60_000, // 10 min
  seed: 1,
};

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, check: (n: number) => boolean = (n) => n >= 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = raw === 'Infinity' ? Number.POSITIVE_INFINITY : Number(raw);
  if (!Number.isFinite(n) && n !== Number.POSITIVE_INFINITY) throw new Error(`${name} must be a number (got "${raw}")`);
  if (!check(n)) throw new Error(`${name} is out of range (got "${raw}")`);
  return n;
}

function list(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const fraction = (n: number) => n >= 0 && n <= 1;

/** The configuration from CHAOS_* variables over `base`; throws naming a bad variable. */
export function chaosConfigFromEnv(env: NodeJS.ProcessEnv = process.env, base: ChaosConfig = DEFAULT_CONFIG): ChaosConfig {
  const infra = list(env, 'CHAOS_INFRA_RESTARTS', base.infraRestarts);
  const unknown = infra.filter((s) => !(INFRA_SERVERS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`CHAOS_INFRA_RESTARTS: unknown server(s) ${unknown.join(', ')} (known: ${INFRA_SERVERS.join(', ')})`);
  const faults = list(env, 'CHAOS_FAULTS', base.serviceFaults);
  const unknownFaults = faults.filter((f) => !(SERVICE_FAULTS as readonly string[]).includes(f));
  if (unknownFaults.length) throw new Error(`CHAOS_FAULTS: unknown fault(s) ${unknownFaults.join(', ')} (known: ${SERVICE_FAULTS.join(', ')})`);
  const delays = list(env, 'CHAOS_RETRY_DELAYS_MS', base.retryDelaysMs.map(String)).map(Number);
  if (delays.length === 0 || delays.some((d) => !Number.isInteger(d) || d < 0)) throw new Error('CHAOS_RETRY_DELAYS_MS must be comma-separated milliseconds');
  const config: ChaosConfig = {
    notifications: num(env, 'CHAOS_NOTIFICATIONS', base.notifications, (n) => Number.isInteger(n) && n > 0),
    restShare: num(env, 'CHAOS_REST_SHARE', base.restShare, fraction),
    restBatchSize: num(env, 'CHAOS_REST_BATCH', base.restBatchSize, (n) => Number.isInteger(n) && n >= 1 && n <= 100),
    restConcurrency: num(env, 'CHAOS_REST_CONCURRENCY', base.restConcurrency, (n) => Number.isInteger(n) && n >= 1),
    kafkaChunk: num(env, 'CHAOS_KAFKA_CHUNK', base.kafkaChunk, (n) => Number.isInteger(n) && n >= 1),
    ratePerSecond: num(env, 'CHAOS_RATE', base.ratePerSecond),
    killIntervalMs: num(env, 'CHAOS_KILL_INTERVAL_MS', base.killIntervalMs, (n) => n >= 100),
    maxKills: num(env, 'CHAOS_MAX_KILLS', base.maxKills),
    maxDown: num(env, 'CHAOS_MAX_DOWN', base.maxDown, (n) => Number.isInteger(n) && n >= 1),
    killServices: list(env, 'CHAOS_KILL_SERVICES', base.killServices),
    serviceFaults: faults as ServiceFault[],
    pauseMs: num(env, 'CHAOS_PAUSE_MS', base.pauseMs, (n) => n > 0),
    sessionTimeoutMs: num(env, 'CHAOS_SESSION_TIMEOUT_MS', base.sessionTimeoutMs, (n) => n >= 6_000),
    infraRestarts: infra as InfraServer[],
    infraRestartAt: list(env, 'CHAOS_INFRA_RESTART_AT', base.infraRestartAt.map(String)).map(Number),
    providerFaults: {
      rate5xx: num(env, 'CHAOS_PROVIDER_5XX', base.providerFaults.rate5xx, fraction),
      rate429: num(env, 'CHAOS_PROVIDER_429', base.providerFaults.rate429, fraction),
      latencyMs: num(env, 'CHAOS_PROVIDER_LATENCY_MS', base.providerFaults.latencyMs),
      spikeMs: num(env, 'CHAOS_PROVIDER_SPIKE_MS', base.providerFaults.spikeMs),
      spikeRate: num(env, 'CHAOS_PROVIDER_SPIKE_RATE', base.providerFaults.spikeRate, fraction),
    },
    retryDelaysMs: delays,
    claimTtlMs: num(env, 'CHAOS_CLAIM_TTL_MS', base.claimTtlMs, (n) => n > 0),
    idempotencyLeaseMs: num(env, 'CHAOS_IDEMPOTENCY_LEASE_MS', base.idempotencyLeaseMs, (n) => n > 0),
    scheduleDelayMs: num(env, 'CHAOS_SCHEDULE_DELAY_MS', base.scheduleDelayMs),
    drainTimeoutMs: num(env, 'CHAOS_DRAIN_TIMEOUT_MS', base.drainTimeoutMs, (n) => n > 0),
    trackerTimeoutMs: num(env, 'CHAOS_TRACKER_WAIT_MS', base.trackerTimeoutMs),
    idleMs: num(env, 'CHAOS_IDLE_MS', base.idleMs, (n) => n > 0),
    crashWindowMs: num(env, 'CHAOS_CRASH_WINDOW_MS', base.crashWindowMs, (n) => n > 0),
    exclusiveWaitMs: num(env, 'CHAOS_EXCLUSIVE_WAIT_MS', base.exclusiveWaitMs),
    seed: num(env, 'CHAOS_SEED', base.seed, Number.isInteger),
  };
  if (config.serviceFaults.includes('pause') && config.pauseMs <= config.sessionTimeoutMs)
    throw new Error('CHAOS_PAUSE_MS must be longer than CHAOS_SESSION_TIMEOUT_MS, or the paused member keeps its partitions');
  if (config.providerFaults.rate5xx + config.providerFaults.rate429 > 1) throw new Error('CHAOS_PROVIDER_5XX + CHAOS_PROVIDER_429 must not exceed 1');
  if (config.infraRestartAt.length < config.infraRestarts.length || config.infraRestartAt.some((f) => !fraction(f)))
    throw new Error('CHAOS_INFRA_RESTART_AT needs one fraction (0..1) per restarted server');
  return config;
}

/**
 * Variables for the pipeline's services. A killed ingest leaves its idempotency claim for
 * IDEMPOTENCY_LEASE_MS, which must pass before the record's retry tiers run out, or the record would be
 * dead-lettered while its first attempt may have gone out. (A sender waits out another's claim without
 * spending attempts, so CLAIM_TTL_MS has no such bound.)
 */
export function pipelineEnv(config: ChaosConfig): { all: Record<string, string>; ingest: Record<string, string>; sender: Record<string, string> } {
  const budget = config.retryDelaysMs.reduce((a, b) => a + b, 0);
  if (config.idempotencyLeaseMs >= budget)
    throw new Error(`idempotencyLeaseMs (${config.idempotencyLeaseMs} ms) must be shorter than the retry tiers together (${budget} ms)`);
  // A sender paused longer than its claims live could be overtaken on a send it has in flight.
  if (config.serviceFaults.includes('pause') && config.pauseMs >= config.claimTtlMs)
    throw new Error(`pauseMs (${config.pauseMs} ms) must be shorter than claimTtlMs (${config.claimTtlMs} ms)`);
  return {
    all: { RETRY_DELAYS_MS: config.retryDelaysMs.join(','), LAG_INTERVAL_MS: '5000', KAFKA_SESSION_TIMEOUT_MS: String(config.sessionTimeoutMs) },
    ingest: { IDEMPOTENCY_LEASE_MS: String(config.idempotencyLeaseMs) },
    sender: { CLAIM_TTL_MS: String(config.claimTtlMs) },
  };
}
