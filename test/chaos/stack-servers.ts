// Which stack servers a run may restart, and how: `node scripts/stack.mjs restart <server>` (stops the
// server, starts it again on its data, waits until it answers). A server of the stack in use is restarted
// in place only when it is the local stack's and the caller allows it (the run started that stack, or the
// operator said so); otherwise MongoDB and Redis can be replaced by private servers started the same way
// in a state folder of their own, so other users of the stack are not disturbed. Kafka is never private:
// it is skipped, and the report says why.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackEndpoints } from '../../scripts/pipeline/launch.js';
import { freePort, REPO_ROOT } from '../../scripts/pipeline/service-process.js';
import type { InfraServer } from './chaos-config.js';

export interface ServerRestart {
  server: InfraServer;
  /** Where it ran: the stack's own server or a private one. */
  where: 'stack' | 'private';
  startedAt: number;
  readyAt: number;
  ok: boolean;
  error?: string;
}

export interface FaultServers {
  /** The endpoints the pipeline is to use (the stack's, with private servers swapped in). */
  env: StackEndpoints;
  restartable: InfraServer[];
  skipped: Array<{ server: InfraServer; reason: string }>;
  restart(server: InfraServer): Promise<ServerRestart>;
  stop(): Promise<void>;
  /** Kills the private servers at once, synchronously (for an exit handler). */
  killNow(): void;
}

export interface FaultServerOptions {
  /** Servers to restart during the run. */
  wanted: readonly InfraServer[];
  /** The local stack's servers may be restarted in place. */
  allowStackRestart: boolean;
  /** MongoDB/Redis that cannot be restarted in place are replaced by private ones. */
  privateStores: boolean;
  log: (msg: string) => void;
}

const ENDPOINT_VAR: Record<InfraServer, keyof StackEndpoints> = { kafka: 'KAFKA_BROKERS', mongo: 'MONGODB_URI', redis: 'REDIS_URL' };
const ENDPOINT_VARS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI', 'REDIS_URL'];
const STACK_SCRIPT = path.join(REPO_ROOT, 'scripts', 'stack.mjs');

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs stack.mjs without blocking the event loop (the provider emulators live in this process). */
export function stackCommand(args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STACK_SCRIPT, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err) => resolve({ code: null, stdout, stderr: `${stderr}${err.message}` }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function withoutEndpoints(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const k of ENDPOINT_VARS) delete copy[k];
  return copy;
}

function parseEnvLines(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
}

/** The local stack's servers (under the current NOTIFY_STACK_* settings) that are running and serve `stack`. */
export async function localServersInUse(stack: StackEndpoints, env: NodeJS.ProcessEnv = process.env): Promise<Set<InfraServer>> {
  const base = withoutEndpoints(env);
  const [local, status] = await Promise.all([stackCommand(['env'], base), stackCommand(['status'], base)]);
  const localEnv = parseEnvLines(local.stdout);
  const running = new Set(
    status.stdout
      .split('\n')
      .map((l) => /^(\w+)\s+pid \d+ ready/.exec(l)?.[1])
      .filter((s): s is string => s !== undefined),
  );
  const result = new Set<InfraServer>();
  for (const server of Object.keys(ENDPOINT_VAR) as InfraServer[]) {
    const v = ENDPOINT_VAR[server];
    if (running.has(server) && localEnv[v] === stack[v]) result.add(server);
  }
  return result;
}

function stackCache(env: NodeJS.ProcessEnv): string {
  return env.NOTIFY_STACK_CACHE || path.join(os.homedir(), '.cache', 'notify-stack');
}

/** A private server needs its binary at hand: stack.mjs would otherwise install (Redis) or fetch (mongo-java-server) it. */
function privateBinaryMissing(server: InfraServer, env: NodeJS.ProcessEnv): string | undefined {
  if (server === 'redis') {
    const found = (env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, 'redis-server')));
    return found ? undefined : 'redis-server is not installed';
  }
  if (server === 'mongo') {
    const cache = stackCache(env);
    const built = fs.existsSync(cache) && fs.readdirSync(cache).some((d) => d.startsWith('mongo-java-server-') && fs.existsSync(path.join(cache, d, '.complete')));
    return built ? undefined : `mongo-java-server is not fetched into ${cache}`;
  }
  return 'the broker is shared by every service and test; it is only restarted when it is the local stack this run may restart';
}

async function restartWith(server: InfraServer, where: ServerRestart['where'], env: NodeJS.ProcessEnv): Promise<ServerRestart> {
  const startedAt = Date.now();
  const res = await stackCommand(['restart', server], env);
  const ok = res.code === 0;
  return { server, where, startedAt, readyAt: Date.now(), ok, ...(ok ? {} : { error: `${res.stderr}${res.stdout}`.trim().split('\n').slice(-10).join('\n') }) };
}

export async function prepareFaultServers(stack: StackEndpoints, options: FaultServerOptions): Promise<FaultServers> {
  const env: StackEndpoints = { ...stack };
  const restartable: InfraServer[] = [];
  const skipped: FaultServers['skipped'] = [];
  const envFor = new Map<InfraServer, { where: ServerRestart['where']; env: NodeJS.ProcessEnv }>();
  const local = options.wanted.length > 0 ? await localServersInUse(stack) : new Set<InfraServer>();
  let privateDir: string | undefined;
  let privateEnv: NodeJS.ProcessEnv | undefined;

  for (const server of options.wanted) {
    if (options.allowStackRestart && local.has(server)) {
      restartable.push(server);
      envFor.set(server, { where: 'stack', env: withoutEndpoints(process.env) });
      continue;
    }
    const why = !local.has(server) ? `the stack's ${server} is not the local one (external stack)` : `this run may not restart the stack's own ${server}`;
    const missing = privateBinaryMissing(server, process.env);
    if (!options.privateStores || missing) {
      skipped.push({ server, reason: missing && options.privateStores ? `${why}; no private one: ${missing}` : why });
      continue;
    }
    if (!privateDir) {
      privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-chaos-stores-'));
      const [mongoPort, redisPort] = await Promise.all([freePort(), freePort()]);
      privateEnv = { ...withoutEndpoints(process.env), NOTIFY_STACK_DIR: privateDir, NOTIFY_STACK_MONGO_PORT: String(mongoPort), NOTIFY_STACK_REDIS_PORT: String(redisPort) };
    }
    const first = await restartWith(server, 'private', privateEnv!);
    if (!first.ok) {
      skipped.push({ server, reason: `${why}; a private one did not start: ${first.error}` });
      continue;
    }
    if (server === 'mongo') env.MONGODB_URI = `mongodb://127.0.0.1:${privateEnv!.NOTIFY_STACK_MONGO_PORT}/notify`;
    if (server === 'redis') env.REDIS_URL = `redis://127.0.0.1:${privateEnv!.NOTIFY_STACK_REDIS_PORT}`;
    options.log(`private ${server} for this run at ${server === 'mongo' ? env.MONGODB_URI : env.REDIS_URL} (${why})`);
    restartable.push(server);
    envFor.set(server, { where: 'private', env: privateEnv! });
  }

  return {
    env,
    restartable,
    skipped,
    async restart(server) {
      const how = envFor.get(server);
      if (!how) throw new Error(`${server} is not restartable in this run`);
      return restartWith(server, how.where, how.env);
    },
    async stop() {
      if (!privateDir || !privateEnv) return;
      await stackCommand(['down'], privateEnv);
      fs.rmSync(privateDir, { recursive: true, force: true });
    },
    killNow() {
      if (!privateDir) return;
      for (const server of ['mongo', 'redis']) {
        try {
          process.kill(Number(fs.readFileSync(path.join(privateDir, server, 'pid'), 'utf8')), 'SIGKILL');
        } catch {
          // not running
        }
      }
      fs.rmSync(privateDir, { recursive: true, force: true });
    },
  };
}
