#!/usr/bin/env node
import { ConfigError, NotifyError, ValidationError } from '@notify/runtime';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    process.stderr.write(`\n${signal}: finishing the current batch, then stopping (again to quit at once)\n`);
    controller.abort();
  });
}

const program = buildProgram({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});

try {
  await program.parseAsync(process.argv);
  if (controller.signal.aborted) process.exitCode = EXIT_INTERRUPTED;
} catch (err) {
  process.exitCode = report(err);
}

function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE; // commander printed it already
  if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof ValidationError) {
    const more = err.issues.length > 1 ? err.issues.map((i) => `  ${i.path}: ${i.message}\n`).join('') : '';
    process.stderr.write(`error: ${err.message}\n${more}`);
    return EXIT_USAGE;
  }
  if (err instanceof NotifyError) {
    process.stderr.write(
      `error: ${err.code}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}\n`,
    );
    return EXIT_FAILED;
  }
  const verbose = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
  const text =
    err instanceof Error
      ? verbose
        ? (err.stack ?? err.message)
        : `${err.name}: ${err.message}`
      : String(err);
  process.stderr.write(`error: ${text}\n`);
  return EXIT_FAILED;
}
