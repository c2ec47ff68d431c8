import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT, stackEnv } from './stack-env.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  name: string;
  adminPort: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitReady(timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  metrics(): Promise<string>;
}

const LOG_DIR = path.join(REPO_ROOT, 'reports', 'logs');

/** Runs a TypeScript entry point as its own Node process with the stack's endpoints in its environment. */
export async function startServiceProcess(name: string, entry: string, env: Record<string, string>): Promise<ServiceProcess> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const adminPort = await freePort();
  const logFile = path.join(LOG_DIR, `${name}-${Date.now()}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...stackEnv(),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
      LAG_INTERVAL_MS: '2000',
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const base = `http://127.0.0.1:${adminPort}`;
  return {
    name,
    adminPort,
    child,
    logFile,
    exited,
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let exitedEarly = false;
      void exited.then(() => (exitedEarly = true));
      while (Date.now() < deadline && !exitedEarly) {
        try {
          const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) });
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${name} not ready (${exitedEarly ? 'exited' : 'timeout'}); log tail:\n${tail}`);
    },
    kill(signal) {
      child.kill(signal);
    },
    async metrics() {
      return (await fetch(`${base}/metrics`)).text();
    },
  };
}
