import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/stack-env.js';

/** Where `npm test` put Schemathesis (scripts/lib/python-tools.mjs); provisioned here when run alone. */
async function schemathesisBin(): Promise<string> {
  if (process.env.SCHEMATHESIS_BIN) return process.env.SCHEMATHESIS_BIN;
  const tools = (await import(path.join(REPO_ROOT, 'scripts', 'lib', 'python-tools.mjs'))) as {
    pythonToolsEnv(): { SCHEMATHESIS_BIN: string };
  };
  return tools.pythonToolsEnv().SCHEMATHESIS_BIN;
}

export interface ContractRun {
  exitCode: number;
  /** The CLI's report: failures with the requests that reproduce them, and the summary. */
  output: string;
}

export interface ContractOptions {
  /** Headers sent with every request, e.g. the API key. */
  headers?: Record<string, string>;
  /** Test cases per operation and phase. */
  maxExamples: number;
  seed: number;
  /** The response time, in seconds, past which an answer fails the max_response_time check. */
  maxResponseTimeSeconds: number;
}

/**
 * Runs Schemathesis with every check against the service whose OpenAPI document is at `documentUrl`:
 * server errors, statuses and headers the document does not declare, answers that do not match their
 * schema, schema-valid requests refused and schema-violating ones accepted, methods it does not list,
 * and what its authentication ignores.
 */
export async function runSchemathesis(documentUrl: string, options: ContractOptions): Promise<ContractRun> {
  const bin = await schemathesisBin();
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemathesis-'));
  const args = [
    '--config-file',
    path.join(REPO_ROOT, 'test', 'contract', 'schemathesis.toml'),
    'run',
    documentUrl,
    '--checks',
    'all',
    '--max-response-time',
    String(options.maxResponseTimeSeconds),
    '--max-examples',
    String(options.maxExamples),
    '--seed',
    String(options.seed),
    '--workers',
    '1',
    '--request-timeout',
    '60',
    '--no-color',
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: reportDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      fs.rmSync(reportDir, { recursive: true, force: true });
      resolve({ exitCode: code ?? 1, output });
    });
  });
}

/** The failures part of a run's report, long lines cut, for an assertion message. */
export function failuresOf(output: string): string {
  const start = output.indexOf('FAILURES');
  return (start >= 0 ? output.slice(start) : output)
    .split('\n')
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
    .join('\n')
    .slice(0, 30_000);
}

/** How many operations the run tested, from its summary ("Tested: N"). */
export function testedOperations(output: string): number {
  return Number(/Tested:\s+(\d+)/.exec(output)?.[1] ?? 0);
}

/** How many operations the document at `documentUrl` declares, besides serving itself (which Schemathesis skips). */
export async function documentedOperations(documentUrl: string): Promise<number> {
  const document = (await (await fetch(documentUrl)).json()) as { paths: Record<string, Record<string, unknown>> };
  const methods = new Set(['get', 'put', 'post', 'patch', 'delete']);
  return Object.entries(document.paths)
    .filter(([path]) => path !== new URL(documentUrl).pathname)
    .reduce((n, [, item]) => n + Object.keys(item).filter((m) => methods.has(m)).length, 0);
}
