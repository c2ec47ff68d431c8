import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A port below the kernel's ephemeral range, free on every interface when asked. A port the kernel hands out
 * (`listen(0)`) can be taken again by any outgoing connection before the child process binds it; ports
 * below the range never are, so only another caller of this function could collide. Within this process
 * a port is never handed out twice (a port given to a service that has not bound it yet is still free when
 * asked); across processes the random pick makes a collision unlikely.
 */
export async function freePort(): Promise<number> {
  const [low, high] = PORT_RANGE;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found in ${low}-${high}`);
}

/** Below Linux's default ephemeral range (32768–60999), clear of the stack's fixed ports (MongoDB 27118). */
const PORT_RANGE = [20_000, 27_000] as const;

/** Every port freePort has picked in this process, taken or not. */
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
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

/**
 * Runs a service entry point as its own Node process, with an admin port of its own and its output in
 * `logDir`: a TypeScript entry through tsx (workspace packages by their `development` export), a built
 * `.js` entry with plain Node, as the container image runs it.
 */
export async function spawnService(
  name: string,
  entry: string,
  env: Record<string, string>,
  logDir: string,
): Promise<ServiceProcess> {
  fs.mkdirSync(logDir, { recursive: true });
  const adminPort = env.ADMIN_PORT ? Number(env.ADMIN_PORT) : await freePort();
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const args = entry.endsWith('.ts')
    ? ['--conditions=development', '--import', 'tsx', entry]
    : ['--enable-source-maps', entry];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, ADMIN_PORT: String(adminPort) },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const base = `http://127.0.0.1:${adminPort}`;
  return {
    name,
    adminPort,
    child,
    logFile,
    exited,
    async waitReady(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && !hasExited) {
        try {
          const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) });
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${name} not ready (${hasExited ? 'exited' : 'timeout'}); log tail:\n${tail}`);
    },
    kill(signal) {
      if (!hasExited) child.kill(signal);
    },
    async metrics() {
      return (await fetch(`${base}/metrics`)).text();
    },
  };
}
