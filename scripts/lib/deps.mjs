// Installs the workspace's npm dependencies when package-lock.json or patches/ changed since the last install.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function npm(root, args) {
  return spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
}

/** The lockfile and the patches applied to installed packages (patch-package runs after every install). */
function installHash(root) {
  const hash = createHash('sha256').update(fs.readFileSync(path.join(root, 'package-lock.json')));
  const patches = path.join(root, 'patches');
  if (fs.existsSync(patches)) {
    for (const name of fs.readdirSync(patches).sort()) hash.update(name).update(fs.readFileSync(path.join(patches, name)));
  }
  return hash.digest('hex');
}

export function ensureNodeModules(root) {
  const hash = installHash(root);
  const marker = path.join(root, 'node_modules', '.notify-lock-hash');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === hash) return;
  process.stderr.write('[setup] npm ci (dependencies changed or not installed)\n');
  let res = npm(root, ['ci']);
  if (res.status !== 0 && /in sync/.test(res.stderr)) {
    // Some npm releases record platform-specific optional packages inconsistently and then refuse their
    // own lockfile; `npm install` still installs the locked versions.
    process.stderr.write('[setup] npm ci refused the lockfile; installing the locked versions with npm install\n');
    res = npm(root, ['install']);
  }
  if (res.status !== 0) {
    process.stderr.write(res.stderr);
    throw new Error(`npm dependency installation failed with exit code ${res.status}`);
  }
  fs.writeFileSync(marker, hash);
}
