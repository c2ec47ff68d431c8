// Runs a function with the stack's endpoints in the environment: an external stack when its variables are
// set, an already running local stack, or one started for the occasion and stopped afterwards.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

function stack(root, ...args) {
  return spawnSync('node', [path.join(root, 'scripts', 'stack.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function parseEnv(text) {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export async function withStack(root, fn, { keepRunning = false } = {}) {
  const wasRunning = stack(root, 'status').status === 0;
  const up = stack(root, 'up');
  if (up.status !== 0) throw new Error('the stack did not start (see the message above)');
  const env = parseEnv(up.stdout);
  const startedHere = !wasRunning && !process.env.KAFKA_BROKERS;
  try {
    return await fn(env);
  } finally {
    if (startedHere && !keepRunning) stack(root, 'down');
  }
}
