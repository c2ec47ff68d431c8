import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK = path.join(os.tmpdir(), 'notify-pipeline.lock');

function holderAlive(): boolean {
  try {
    const pid = Number(fs.readFileSync(LOCK, 'utf8'));
    if (!pid) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Topic names and consumer groups are global to a stack, so two launched pipelines on one stack would
 * consume each other's records. One launcher at a time per machine: wait for the holder, or take over
 * a lock whose process is gone.
 */
export async function acquirePipelineLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(LOCK, { force: true });
    } catch {
      if (!holderAlive()) {
        fs.rmSync(LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another pipeline holds ${LOCK} (pid ${fs.readFileSync(LOCK, 'utf8')})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
