// `npm run bench -- broadcast`: one notification to a topic of SUBSCRIBERS users (default 1,000,000). Runs
// ingest alone (it accepts the request and expands the topic; nothing downstream is needed), subscribes the
// users with PUT calls of 10,000, then POSTs one request naming the topic and measures the time from the
// POST to the last of its records on notify.accepted.v1 (the latest record timestamp, found by reading
// the records back afterwards, so the reading does not compete with ingest for the CPU), and the peak RSS
// of ingest while it expands. The read-back also checks that every subscriber got exactly one
// notification. Writes reports/bench/broadcast.json and prints a summary.
//
// Environment: SUBSCRIBERS (1000000), BROADCAST_PAGE_SIZE (ingest's default), BENCH_SUBSCRIBE_BATCH
// (10000), BENCH_COMPILED (true: ingest's built JavaScript; false: its sources through tsx),
// BENCH_REDIS_DB (9), BENCH_EXPANSION_TIMEOUT_MS (1800000). ingest uses a MongoDB database and a Redis
// keyspace of the run's own (same servers), emptied before and after.
import { Topics } from '@notify/schemas';
import { MongoClient } from 'mongodb';
import path from 'node:path';
import { buildServices, launchPipeline, type RunningPipeline } from '../../scripts/pipeline/launch.js';
import { kafka } from '../support/kafka.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';
import { loadBroadcastConfig, type BroadcastBenchConfig } from './broadcast/config.js';
import { endOffsets, tallyTopic, type PartitionOffset } from '../support/topic-tally.js';
import { emptyDatabase, withDatabase, withRedisDb } from './e2e/bench-stores.js';
import { CATEGORY, createBenchTenant, TEMPLATE_ID } from './e2e/bench-tenant.js';
import { serviceGroups, skipAbandonedBacklog, waitForFreeGroups } from './e2e/group-sharing.js';
import { sampleRss, rssMb } from './lib/process-sampler.js';
import { writeReport } from './lib/report.js';

const REPORT_FILE = path.join(REPO_ROOT, 'reports', 'bench', 'broadcast.json');
const DATABASE = 'bench_broadcast';
const TOPIC_ID = 'everyone';
const POLL_MS = 250;
/** The expansion counts as finished once notify.accepted.v1 has grown enough and then stood still this long. */
const SETTLED_MS = 3_000; // 3 s
const EXCLUSIVE_WAIT_MS = 10 * 60_000; // 10 min

let config: BroadcastBenchConfig;
try {
  config = loadBroadcastConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

const log = (msg: string) => console.log(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}`);
const count = (n: number) => n.toLocaleString('en-US');
const stack = stackEnv();
const env = {
  ...stack,
  MONGODB_URI: withDatabase(stack.MONGODB_URI, DATABASE),
  REDIS_URL: withRedisDb(stack.REDIS_URL, config.redisDb),
};
const mongo = new MongoClient(env.MONGODB_URI);
const admin = kafka.admin();
let pipeline: RunningPipeline | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n[bench] ${signal}: stopping ingest`);
    for (const p of pipeline?.processes.values() ?? []) p.kill('SIGKILL');
    process.exit(130);
  });
}

const sum = (offsets: readonly PartitionOffset[]) =>
  offsets.reduce((total, o) => total + Number(o.offset), 0);

async function api(
  method: string,
  route: string,
  apiKey: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${pipeline!.ingestUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Subscribes u0..u(n-1) in calls of `batch`; returns how long it took, ms. */
async function subscribeAll(apiKey: string): Promise<number> {
  const started = Date.now();
  const calls = Math.ceil(config.subscribers / config.subscribeBatch);
  for (let call = 0; call < calls; call++) {
    const first = call * config.subscribeBatch;
    const userIds = Array.from(
      { length: Math.min(config.subscribeBatch, config.subscribers - first) },
      (_, i) => `u${first + i}`,
    );
    await api('PUT', `/v1/topics/${TOPIC_ID}/subscribers`, apiKey, { userIds });
    if ((call + 1) % 10 === 0 || call + 1 === calls)
      log(`subscribed ${count(first + userIds.length)} of ${count(config.subscribers)}`);
  }
  return Date.now() - started;
}

/**
 * Waits until notify.accepted.v1 has grown by at least `expected` records since `baseline` and then stood
 * still for SETTLED_MS (its end offsets count transaction markers too, so the growth alone ends too early).
 */
async function waitForExpansion(baseline: number, expected: number): Promise<void> {
  const deadline = Date.now() + config.expansionTimeoutMs;
  let last = -1;
  let lastChange = Date.now();
  let lastLog = Date.now();
  while (Date.now() < deadline) {
    const grown = sum(await endOffsets(admin, Topics.accepted.name)) - baseline;
    if (grown !== last) {
      last = grown;
      lastChange = Date.now();
    }
    if (grown >= expected && Date.now() - lastChange >= SETTLED_MS) return;
    if (Date.now() - lastLog >= 10_000) {
      log(`notify.accepted.v1 grew by ${count(grown)} of ${count(expected)}`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(
    `the expansion did not finish within ${config.expansionTimeoutMs} ms (${count(last)} of ${count(expected)} records)`,
  );
}

let failure: string | undefined;
let report: Record<string, unknown> = {};
log(
  `broadcast: ${count(config.subscribers)} subscribers, page size ${config.pageSize ?? "ingest's default"}, ` +
    `ingest ${config.compiled ? 'built (node dist/main.js)' : 'from sources (tsx)'}`,
);
try {
  await mongo.connect();
  await admin.connect();
  await waitForFreeGroups(admin, EXCLUSIVE_WAIT_MS, log);
  await emptyDatabase(mongo.db());
  const skipped = await skipAbandonedBacklog(
    kafka,
    admin,
    serviceGroups(['ingest', 'broadcast-expander'], config.retryTiers),
  );
  if (Object.keys(skipped).length)
    log(`skipped records earlier runs left unread: ${JSON.stringify(skipped)}`);
  if (config.compiled) {
    log('building ingest (turbo run build)');
    buildServices(['@notify/ingest...']);
  }
  pipeline = await launchPipeline({
    compiled: config.compiled,
    stack: env,
    logDir: path.join(REPO_ROOT, 'reports', 'logs', `bench-broadcast-${Date.now()}`),
    only: ['ingest'],
    serviceEnv: {
      ingest: config.pageSize === undefined ? {} : { BROADCAST_PAGE_SIZE: String(config.pageSize) },
    },
  });
  const ingestPid = pipeline.processes.get('ingest')!.child.pid!;
  const tenant = await createBenchTenant(mongo.db(), pipeline.ingestUrl, uniqueName('broadcast'), 0);

  const subscribeMs = await subscribeAll(tenant.apiKey);
  log(`subscribed ${count(config.subscribers)} users in ${(subscribeMs / 1000).toFixed(1)} s`);

  const acceptedFrom = await endOffsets(admin, Topics.accepted.name);
  const broadcastsFrom = await endOffsets(admin, Topics.broadcasts.name);
  const rssBeforeMb = rssMb(ingestPid);
  const rss = sampleRss(ingestPid, 100);
  const idempotencyKey = uniqueName('broadcast');
  const postedAt = Date.now();
  const answer = await api(
    'POST',
    '/v1/notifications',
    tenant.apiKey,
    {
      recipients: [],
      topics: [TOPIC_ID],
      templateId: TEMPLATE_ID,
      category: CATEGORY,
      channels: ['EMAIL'],
      data: { ref: idempotencyKey },
    },
    { 'idempotency-key': idempotencyKey },
  );
  const answeredMs = Date.now() - postedAt;
  log(`POST answered in ${answeredMs} ms: ${JSON.stringify(answer)}`);
  await waitForExpansion(sum(acceptedFrom), config.subscribers);
  rss.stop();
  log('expansion finished; reading its records back');

  const accepted = await tallyTopic(
    kafka,
    Topics.accepted.name,
    acceptedFrom,
    `${tenant.tenantId}:`,
    config.subscribers,
  );
  const pages = await tallyTopic(
    kafka,
    Topics.broadcasts.name,
    broadcastsFrom,
    `${tenant.tenantId}:${idempotencyKey}`,
    1,
    { idleMs: 1_000 },
  );
  const expansionMs = accepted.lastTimestamp === undefined ? undefined : accepted.lastTimestamp - postedAt;
  const exactlyOnce = accepted.records === config.subscribers && accepted.distinctKeys === config.subscribers;
  if (!exactlyOnce)
    failure = `expected ${config.subscribers} notifications, one per subscriber; got ${accepted.records} for ${accepted.distinctKeys} recipients`;
  report = {
    subscribers: config.subscribers,
    pageSize: config.pageSize ?? null,
    compiled: config.compiled,
    subscribeMs,
    postAnsweredMs: answeredMs,
    postToLastAcceptedMs: expansionMs ?? null,
    notificationsPerSecond: expansionMs ? Math.round((config.subscribers / expansionMs) * 1000) : null,
    acceptedRecords: accepted.records,
    distinctRecipients: accepted.distinctKeys,
    expansionRecords: pages.records,
    ingestRssBeforeMb: rssBeforeMb === undefined ? null : Math.round(rssBeforeMb),
    ingestPeakRssMb: Math.round(rss.peakMb()),
  };
} catch (err) {
  failure = (err as Error).stack ?? String(err);
} finally {
  await pipeline?.stop();
  // The stages that did not run would otherwise work through the bench's notifications and their ACCEPTED
  // events (for subscribers without profiles) the next time a pipeline runs on this stack.
  await skipAbandonedBacklog(kafka, admin, serviceGroups(['enrichment', 'status-tracker'], config.retryTiers))
    .then((skipped) => Object.keys(skipped).length && log(`left unread by the stages that did not run: ${JSON.stringify(skipped)}`))
    .catch((err: Error) => log(`could not skip the bench's records for the later stages: ${err.message}`));
  await emptyDatabase(mongo.db()).catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  await mongo.close().catch(() => undefined);
}

writeReport(REPORT_FILE, { ...report, ...(failure ? { failure } : {}), at: new Date().toISOString() });
const seconds = (ms: unknown) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '-');
if (Object.keys(report).length) {
  const rows: Array<[string, string]> = [
    [
      `subscribe (${Math.ceil(config.subscribers / config.subscribeBatch)} PUT calls)`,
      seconds(report.subscribeMs),
    ],
    ['POST answered', `${report.postAnsweredMs} ms`],
    [
      'POST → last notify.accepted.v1 record',
      `${seconds(report.postToLastAcceptedMs)} (${count(Number(report.notificationsPerSecond ?? 0))} notifications/s)`,
    ],
    [
      'notify.accepted.v1 records',
      `${count(Number(report.acceptedRecords))} for ${count(Number(report.distinctRecipients))} recipients`,
    ],
    ['notify.broadcasts.v1 records', `${report.expansionRecords} (the first and each continuation)`],
    [
      'ingest RSS',
      `${report.ingestRssBeforeMb} MiB before, ${report.ingestPeakRssMb} MiB peak while expanding`,
    ],
    ['report', path.relative(REPO_ROOT, REPORT_FILE)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(
    [
      '',
      `broadcast to ${count(config.subscribers)} subscribers (page size ${config.pageSize ?? 'default'}, ingest ${config.compiled ? 'built' : 'tsx'})`,
      ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(width + 2)}${value}`),
    ].join('\n'),
  );
}
if (failure) {
  console.error(`\n[bench] FAILED: ${failure}`);
  process.exit(1);
}
