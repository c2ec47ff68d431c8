// Python command-line tools the tests drive (Schemathesis for the HTTP contract test, moto's server for the
// SES and SNS adapters' tests), installed once from PyPI into a virtual environment in the per-user cache
// (NOTIFY_STACK_CACHE, default ~/.cache/notify-stack) and reused from there. The environment's directory is
// named after the pinned requirements, so changing a pin provisions a new one.
//
//   node scripts/lib/python-tools.mjs        provisions and prints the tool paths as JSON
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON_REQUIREMENTS = ['schemathesis==4.32.5', 'moto[server]==5.2.6'];

const log = (msg) => process.stderr.write(`[python-tools] ${msg}\n`);

export class PythonToolsError extends Error {}

function cacheRoot() {
  return process.env.NOTIFY_STACK_CACHE || path.join(os.homedir(), '.cache', 'notify-stack');
}

function run(cmd, args) {
  const res = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw new PythonToolsError(`${cmd} could not run: ${res.error.message}`);
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new PythonToolsError(`${cmd} ${args.join(' ')} failed (exit ${res.status}):\n${out}`);
  }
  return res.stdout;
}

function python() {
  for (const cmd of ['python3', 'python']) {
    if (spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0) return cmd;
  }
  throw new PythonToolsError('no python3 on PATH');
}

/** The virtual environment with every pinned requirement, created on first use; returns its bin directory. */
export function ensurePythonTools() {
  const hash = createHash('sha256').update(PYTHON_REQUIREMENTS.join('\n')).digest('hex').slice(0, 12);
  const dir = path.join(cacheRoot(), `python-tools-${hash}`);
  const bin = path.join(dir, 'bin');
  if (fs.existsSync(path.join(dir, '.complete'))) return bin;
  // Built in a temporary sibling and renamed, so an interrupted install never leaves a half-made environment.
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  log(`pip install ${PYTHON_REQUIREMENTS.join(' ')} (once, into ${dir})`);
  try {
    run(python(), ['-m', 'venv', tmp]);
    run(path.join(tmp, 'bin', 'python'), [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      ...PYTHON_REQUIREMENTS,
    ]);
    fs.writeFileSync(path.join(tmp, '.complete'), PYTHON_REQUIREMENTS.join('\n'));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // The environment's scripts name the interpreter by the temporary path; rewrite their shebangs.
  for (const name of fs.readdirSync(bin)) {
    const file = path.join(bin, name);
    if (!fs.statSync(file).isFile()) continue;
    const text = fs.readFileSync(file);
    if (text.subarray(0, 2).toString() !== '#!') continue;
    const fixed = text.toString('utf8').replaceAll(tmp, dir);
    if (fixed !== text.toString('utf8')) fs.writeFileSync(file, fixed);
  }
  fixVenvConfig(dir, tmp);
  return bin;
}

function fixVenvConfig(dir, tmp) {
  const cfg = path.join(dir, 'pyvenv.cfg');
  if (fs.existsSync(cfg)) fs.writeFileSync(cfg, fs.readFileSync(cfg, 'utf8').replaceAll(tmp, dir));
}

/** Where each tool is, for the tests' environment. */
export function pythonToolsEnv() {
  const bin = ensurePythonTools();
  return { SCHEMATHESIS_BIN: path.join(bin, 'schemathesis'), MOTO_SERVER_BIN: path.join(bin, 'moto_server') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(pythonToolsEnv(), null, 2));
}
