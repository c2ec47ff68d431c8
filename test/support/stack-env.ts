import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StackEnv {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  MONGODB_URI: string;
  REDIS_URL: string;
}

let cached: StackEnv | undefined;

/** Endpoints of the running stack: from the environment when set, else the local stack's defaults. */
export function stackEnv(): StackEnv {
  if (cached) return cached;
  const out = execFileSync('node', [path.join(REPO_ROOT, 'scripts', 'stack.mjs'), 'env'], { encoding: 'utf8' });
  const env = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as unknown as StackEnv;
  cached = env;
  return env;
}

/** A name unique to this test run, so tests never see each other's topics, groups or collections. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
