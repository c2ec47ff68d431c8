#!/usr/bin/env node
// `npm run bench -- <name>`: installs dependencies, brings up the stack (unless one is running or named by
// the environment), runs the named benchmark from test/bench/ with the stack's endpoints in its
// environment, and stops what it started. Reports land in reports/bench/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './lib/deps.mjs';
import { withStack } from './lib/with-stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Benchmark name → entry point (relative to the repository root). */
const BENCHMARKS = {
  runtime: 'test/bench/runtime.ts', // the stream runtime against a bare kafkajs relay
  e2e: 'test/bench/e2e.ts', // the whole pipeline end to end, against a chain of bare kafkajs relays
  broadcast: 'test/bench/broadcast.ts', // one notification to a topic of SUBSCRIBERS subscribers, expanded by ingest
};

const [name, ...args] = process.argv.slice(2);
const known = Object.keys(BENCHMARKS).join(', ');
if (!name || !Object.hasOwn(BENCHMARKS, name)) {
  console.error(name ? `unknown benchmark "${name}" (known: ${known})` : `usage: npm run bench -- <name>   (known: ${known})`);
  process.exit(2);
}
const entry = path.join(root, BENCHMARKS[name]);
if (!fs.existsSync(entry)) {
  console.error(`benchmark "${name}" has no entry point at ${path.relative(root, entry)}`);
  process.exit(2);
}

ensureNodeModules(root);
const code = await withStack(root, async (env) => {
  const res = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', entry, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return res.status ?? 1;
});
process.exit(code);
