import path from 'node:path';
import { freePort, spawnService, type ServiceProcess } from '../../scripts/pipeline/service-process.js';
import { REPO_ROOT, stackEnv } from './stack-env.js';

export { freePort, type ServiceProcess };

const LOG_DIR = path.join(REPO_ROOT, 'reports', 'logs');

/** Runs a TypeScript entry point as its own Node process with the stack's endpoints in its environment. */
export function startServiceProcess(name: string, entry: string, env: Record<string, string>): Promise<ServiceProcess> {
  return spawnService(`${name}-${Date.now()}`, entry, { ...stackEnv(), LAG_INTERVAL_MS: '2000', ...env }, LOG_DIR);
}
