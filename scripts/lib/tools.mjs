// Command-line tools the checks need besides Node (validators for deployment files). Installed once from
// Debian packages when missing and running as root; otherwise the checks that need them say so and skip.
import { spawnSync } from 'node:child_process';

// openssl makes the certificates the SNS signature tests sign with.
const APT_TOOLS = { 'docker-compose': 'docker-compose', openssl: 'openssl' };

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export function ensureTools() {
  const missing = Object.entries(APT_TOOLS).filter(([cmd]) => !has(cmd));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    process.stderr.write(`[setup] not installing ${missing.map(([c]) => c).join(', ')} (needs root and apt-get)\n`);
    return;
  }
  process.stderr.write(`[setup] apt-get install ${missing.map(([, p]) => p).join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const res = spawnSync('apt-get', ['install', '-y', '-qq', ...missing.map(([, p]) => p)], { stdio: 'inherit', env });
  if (res.status !== 0) process.stderr.write('[setup] tool installation failed; dependent checks will skip\n');
}
