#!/usr/bin/env node
// `npm run chaos`: installs dependencies, brings up the stack (unless one is running or named by the
// environment), runs test/chaos/run.ts — a load of CHAOS_NOTIFICATIONS notifications through the whole
// pipeline while services are killed, stack servers restarted and providers fail — and stops what it
// started. The stack's own servers are restarted only when this script started the stack. Reports land
// in reports/chaos/.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './lib/deps.mjs';
import { withStack } from './lib/with-stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'test', 'chaos', 'run.ts');

ensureNodeModules(root);
const external = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI', 'REDIS_URL'].every((k) => process.env[k]);
const wasRunning = spawnSync(process.execPath, [path.join(root, 'scripts', 'stack.mjs'), 'status'], { cwd: root, stdio: 'ignore' }).status === 0;
const code = await withStack(root, async (env) => {
  const res = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', entry, ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env, CHAOS_STACK_STARTED_HERE: !external && !wasRunning ? '1' : '0' },
  });
  return res.status ?? 1;
});
process.exit(code);
