#!/usr/bin/env node
// `npm run demo`: installs dependencies, brings up the local stack and prints its endpoints.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './lib/deps.mjs';
import { withStack } from './lib/with-stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureNodeModules(root);
await withStack(
  root,
  async (env) => {
    console.log('\nThe stack is up. Endpoints:');
    for (const [k, v] of Object.entries(env)) console.log(`  ${k}=${v}`);
    console.log('\nStop it with: npm run stack -- down');
  },
  { keepRunning: true },
);
