import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../scripts/pipeline/launch.js';
import { REPO_ROOT } from '../support/stack-env.js';

function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return undefined;
}

const compose = composeCommand();

/** Services (two-space keys under `services:`) whose block has a healthcheck, from `compose config` output. */
function servicesWithHealthchecks(config: string): string[] {
  const found: string[] = [];
  let inServices = false;
  let current: string | undefined;
  for (const line of config.split('\n')) {
    if (/^\S/.test(line)) inServices = line.startsWith('services:');
    else if (inServices && /^ {2}[\w-]+:$/.test(line)) current = line.trim().slice(0, -1);
    else if (inServices && current && /^ {4}healthcheck:/.test(line)) found.push(current);
  }
  return found;
}

describe.skipIf(!compose)('docker-compose.yml', () => {
  it('names the monitoring and emulator profiles', () => {
    const [cmd, ...pre] = compose!;
    const res = spawnSync(cmd!, [...pre, '-f', path.join(REPO_ROOT, 'docker-compose.yml'), '--profile', 'emulators', '--profile', 'monitoring', 'config', '--services'], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout.split('\n')).toEqual(expect.arrayContaining(['provider-emulators', 'prometheus', 'grafana', 'init']));
  });

  it('is a valid compose file with a healthcheck on every infrastructure service', () => {
    const [cmd, ...pre] = compose!;
    const file = path.join(REPO_ROOT, 'docker-compose.yml');
    const res = spawnSync(cmd!, [...pre, '-f', file, 'config'], { encoding: 'utf8' });
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.status).toBe(0);
    expect(servicesWithHealthchecks(res.stdout)).toEqual(
      expect.arrayContaining(['kafka', 'schema-registry', 'mongodb', 'redis', ...SERVICE_NAMES]),
    );
  });
});
