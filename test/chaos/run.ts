// `npm run chaos`: one chaos run against the stack named by the environment (scripts/chaos.mjs sets it
// up). Prints a summary, writes reports/chaos/<timestamp>.json, exits 1 on any loss or duplicate.
//
// Size and faults: CHAOS_NOTIFICATIONS (100000), CHAOS_KILL_INTERVAL_MS (5000), CHAOS_MAX_KILLS,
// CHAOS_INFRA_RESTARTS (kafka,mongo,redis) and the other CHAOS_* variables of chaos-config.ts.
// Stack restarts happen in place when scripts/chaos.mjs started the stack (CHAOS_STACK_STARTED_HERE=1)
// or CHAOS_RESTART_STACK=1 says the local stack may be restarted; otherwise MongoDB and Redis are
// private servers of the run (CHAOS_PRIVATE_STORES=0 to skip those restarts instead) and Kafka is not
// restarted.
import path from 'node:path';
import { stackEnv, REPO_ROOT } from '../support/stack-env.js';
import { chaosConfigFromEnv } from './chaos-config.js';
import { killActiveRuns, runChaos } from './chaos-run.js';
import { summaryText, writeReport } from './report.js';

let config;
try {
  config = chaosConfigFromEnv();
} catch (err) {
  console.error(`[chaos] ${(err as Error).message}`);
  process.exit(2);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n[chaos] ${signal}: stopping the services`);
    killActiveRuns();
    process.exit(130);
  });
}

const allowStackRestart = process.env.CHAOS_STACK_STARTED_HERE === '1' || process.env.CHAOS_RESTART_STACK === '1';
if (!allowStackRestart && config.infraRestarts.length > 0) {
  console.log('[chaos] the stack was not started by this run: its servers are not restarted (CHAOS_RESTART_STACK=1 allows it for a local stack)');
}
const report = await runChaos({
  config,
  stack: stackEnv(),
  allowStackRestart,
  privateStores: process.env.CHAOS_PRIVATE_STORES !== '0',
});
console.log(`\n${summaryText(report)}\n`);
const file = writeReport(path.join(REPO_ROOT, 'reports', 'chaos'), report);
console.log(`[chaos] report written to ${path.relative(REPO_ROOT, file)}; service logs in ${report.logDir}`);
process.exit(report.ok ? 0 : 1);
