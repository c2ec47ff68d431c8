#!/usr/bin/env node
// `npm test`: installs dependencies, brings up the stack (unless one is running or named by the
// environment), runs typecheck, lint and every workspace's tests through Turborepo, prints a summary,
// and stops what it started.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './lib/deps.mjs';
import { ensureOpsTools } from './lib/ops-tools.mjs';
import { pythonToolsEnv } from './lib/python-tools.mjs';
import { ensureTools } from './lib/tools.mjs';
import { withStack } from './lib/with-stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = path.join(root, 'reports', 'vitest');

const COLOUR_CODES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const firstLines = (text, n) => String(text ?? '').replace(COLOUR_CODES, '').split('\n').slice(0, n).join('\n    ');

/** Sums the workspaces' vitest reports, and names each failed test or file with the start of its error. */
function summarise() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  if (fs.existsSync(reports)) {
    for (const f of fs.readdirSync(reports).filter((n) => n.endsWith('.json'))) {
      const r = JSON.parse(fs.readFileSync(path.join(reports, f), 'utf8'));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + (r.numTodoTests ?? 0);
      for (const file of r.testResults ?? []) {
        const where = `${path.basename(f, '.json')}: ${path.relative(root, file.name)}`;
        const tests = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
        for (const t of tests) failures.push(`${where} > ${t.fullName}\n    ${firstLines(t.failureMessages?.[0], 6)}`);
        if (file.status === 'failed' && tests.length === 0) failures.push(`${where}\n    ${firstLines(file.message, 6)}`);
      }
    }
  }
  return { passed, failed, skipped, failures };
}

ensureNodeModules(root);
ensureTools();
try {
  // helm, kubeconform, kustomize, promtool: built once into the stack cache (minutes cold, instant warm).
  ensureOpsTools();
} catch (err) {
  process.stderr.write(`[setup] deployment tools unavailable, their checks will skip: ${err.message}\n`);
}
// Schemathesis for the HTTP contract test: installed once from PyPI into the stack cache.
let pythonTools = {};
try {
  pythonTools = pythonToolsEnv();
} catch (err) {
  process.stderr.write(`[setup] Python tools unavailable; the contract test will say why: ${err.message}\n`);
}
fs.rmSync(reports, { recursive: true, force: true });

const code = await withStack(root, async (env) => {
  const tasks = process.argv.slice(2).length ? process.argv.slice(2) : ['typecheck', 'lint', 'test'];
  const res = spawnSync('npx', ['turbo', 'run', ...tasks, '--env-mode=loose', '--concurrency=2', '--continue', '--output-logs=errors-only'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...pythonTools, ...env },
  });
  return res.status ?? 1;
});

const { passed, failed, skipped, failures } = summarise();
if (failures.length) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
