#!/usr/bin/env node
// `npm run demo`: installs dependencies, brings up the local stack, runs the whole pipeline, sends a few
// notifications and shows where they landed. `npm run demo -- --keep` leaves the pipeline running.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './lib/deps.mjs';
import { withStack } from './lib/with-stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureNodeModules(root);
const code = await withStack(
  root,
  async (env) => {
    console.log('Stack endpoints:');
    for (const [k, v] of Object.entries(env)) console.log(`  ${k}=${v}`);
    const res = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', 'scripts/demo/run-demo.ts', ...process.argv.slice(2)], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    return res.status ?? 1;
  },
  { keepRunning: true },
);
process.exit(code);
