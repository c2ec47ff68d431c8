// Injects the run's faults and keeps the pipeline whole: every few seconds one fault on a random service
// (SIGKILL and start again; graceful SIGTERM restart, which must exit 0; or SIGSTOP past the session
// timeout while a replacement takes over, then SIGCONT, after which the woken member must be fenced),
// restarts each chosen stack server once when the run has got far enough, and restarts any service that
// exited on its own (counted apart: that is a finding).
import fs from 'node:fs';
import type { RunningPipeline, ServiceName } from '../../scripts/pipeline/launch.js';
import type { ChaosConfig, InfraServer, ServiceFault } from './chaos-config.js';
import { pick, type Random } from './seeded-random.js';
import type { FaultServers } from './stack-servers.js';

export type FaultKind = 'kill' | 'term' | 'pause' | 'unexpected-exit' | 'infra-restart';

export interface FaultEvent {
  kind: FaultKind;
  /** Service or stack server. */
  target: string;
  /** When the fault began (kill sent, exit seen, restart begun). */
  at: number;
  /** When the target answered ready again; absent while it is down or if it never did. */
  readyAt?: number;
  ok: boolean;
  detail?: string;
}

export interface SupervisorOptions {
  pipeline: RunningPipeline;
  servers: FaultServers;
  config: ChaosConfig;
  services: readonly ServiceName[];
  random: Random;
  /** Fraction (0..1) of the planned notifications that reached a terminal state. */
  progress: () => number;
  log: (msg: string) => void;
}

const RESTART_ATTEMPTS = 5;
const WATCH_INTERVAL_MS = 1_000; // 1 s
const WOKEN_EXIT_WAIT_MS = 20_000; // how long a woken member has to find out it was fenced and exit
const STOP_WAIT_MS = 30_000; // a SIGTERM'd service must be gone by then (its grace is 25 s)

/** Services a replacement can run beside: no HTTP port of their own, and partitions to take over. */
const PAUSABLE = (name: ServiceName) =>
  ['enrichment', 'preference-filter', 'channel-router'].includes(name) || name.startsWith('sender-');

export class FaultSupervisor {
  readonly events: FaultEvent[] = [];
  private readonly down = new Set<ServiceName>();
  private readonly restarts = new Set<Promise<void>>();
  private faulting = false;
  private running = false;
  private kills = 0;
  private timers: NodeJS.Timeout[] = [];
  private infraLoop?: Promise<void>;

  constructor(private readonly options: SupervisorOptions) {}

  get killCount(): number {
    return this.kills;
  }

  start(): void {
    this.running = true;
    this.faulting = true;
    const { config } = this.options;
    this.timers.push(setInterval(() => this.maybeKill(), config.killIntervalMs));
    this.timers.push(setInterval(() => this.watchExits(), WATCH_INTERVAL_MS));
    this.infraLoop = this.runInfraRestarts();
  }

  /**
   * No more kills nor stack restarts (one under way finishes); resolves when every service is back.
   * Services that exit on their own are still restarted until stop().
   */
  async stopFaults(): Promise<void> {
    this.faulting = false;
    await this.infraLoop;
    while (this.restarts.size > 0) await Promise.allSettled([...this.restarts]);
  }

  /** Stops everything; resolves when the pending restarts are done. */
  async stop(): Promise<void> {
    await this.stopFaults();
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    while (this.restarts.size > 0) await Promise.allSettled([...this.restarts]);
  }

  private maybeKill(): void {
    const { config, services, random } = this.options;
    if (!this.faulting || this.kills >= config.maxKills || this.down.size >= config.maxDown) return;
    // In turn, so that even a short run sees every kind.
    const kinds: readonly ServiceFault[] = config.serviceFaults.length ? config.serviceFaults : ['kill'];
    const fault = kinds[this.kills % kinds.length]!;
    const candidates = services.filter((s) => !this.down.has(s) && (fault !== 'pause' || PAUSABLE(s)));
    if (candidates.length === 0) return;
    const name = pick(random, candidates);
    this.kills += 1;
    const event: FaultEvent = { kind: fault, target: name, at: Date.now(), ok: false };
    this.events.push(event);
    if (fault === 'kill') {
      this.options.log(`kill -9 ${name}`);
      this.bringBack(name, event, 'SIGKILL');
    } else if (fault === 'term') {
      this.options.log(`SIGTERM ${name} (graceful restart)`);
      this.track(name, this.gracefulRestart(name, event));
    } else {
      this.options.log(`SIGSTOP ${name} for ${config.pauseMs} ms while a replacement takes over`);
      this.track(name, this.pauseWithReplacement(name, event));
    }
  }

  private track(name: ServiceName, work: Promise<void>): void {
    this.down.add(name);
    const job = work
      .catch((err: unknown) => this.options.log(`${name}: ${(err as Error).message.split('\n')[0]}`))
      .finally(() => {
        this.down.delete(name);
        this.restarts.delete(job);
      });
    this.restarts.add(job);
  }

  /** SIGTERM: the service must finish or abort its transaction, leave the group and exit 0 in its grace period. */
  private async gracefulRestart(name: ServiceName, event: FaultEvent): Promise<void> {
    const p = this.options.pipeline.processes.get(name)!;
    p.kill('SIGTERM');
    const exit = await Promise.race([p.exited, sleep(STOP_WAIT_MS).then(() => undefined)]);
    event.detail = exit ? `exit ${exit.code ?? exit.signal}` : `still running ${STOP_WAIT_MS} ms after SIGTERM`;
    await this.options.pipeline.restart(name, 'SIGKILL');
    event.readyAt = Date.now();
    event.ok = exit?.code === 0;
  }

  /**
   * The zombie case: a member stops answering (a long GC pause, a frozen VM) and the group gives its
   * partitions to another. When it wakes it still believes it owns them; its commits must be refused.
   */
  private async pauseWithReplacement(name: ServiceName, event: FaultEvent): Promise<void> {
    const { pipeline, config } = this.options;
    const paused = pipeline.processes.get(name)!;
    paused.kill('SIGSTOP');
    const { ready } = await pipeline.startReplacement(name);
    const replacementReady = ready.then(
      () => true,
      (err: unknown) => ((event.detail = `replacement not ready: ${(err as Error).message.split('\n')[0]}`), false),
    );
    await sleep(config.pauseMs);
    paused.kill('SIGCONT');
    const ok = await replacementReady;
    event.readyAt = Date.now();
    const exit = await Promise.race([paused.exited, sleep(WOKEN_EXIT_WAIT_MS).then(() => undefined)]);
    if (exit) {
      event.detail = `${event.detail ? `${event.detail}; ` : ''}woken member exited ${exit.code ?? exit.signal}`;
    } else {
      // It had nothing to commit when it woke and rejoined the group as a second member: stop it.
      paused.kill('SIGTERM');
      await Promise.race([paused.exited, sleep(STOP_WAIT_MS)]);
      paused.kill('SIGKILL');
      event.detail = `${event.detail ? `${event.detail}; ` : ''}woken member rejoined; stopped`;
    }
    event.ok = ok;
  }

  private watchExits(): void {
    if (!this.running) return;
    for (const [name, p] of this.options.pipeline.processes) {
      if (this.down.has(name) || (p.child.exitCode === null && p.child.signalCode === null)) continue;
      const tail = readTail(p.logFile);
      const event: FaultEvent = { kind: 'unexpected-exit', target: name, at: Date.now(), ok: false, detail: `exit ${p.child.exitCode ?? p.child.signalCode}; log tail:\n${tail}` };
      this.events.push(event);
      this.options.log(`${name} exited on its own (${p.child.exitCode ?? p.child.signalCode}); restarting it`);
      this.bringBack(name, event);
    }
  }

  /** Kills (when a signal is given) and restarts a service, retrying a start that does not get ready. */
  private bringBack(name: ServiceName, event: FaultEvent, signal?: NodeJS.Signals): void {
    this.down.add(name);
    const job = (async () => {
      for (let attempt = 1; attempt <= RESTART_ATTEMPTS; attempt++) {
        try {
          await this.options.pipeline.restart(name, attempt === 1 && signal ? signal : 'SIGKILL');
          event.readyAt = Date.now();
          event.ok = true;
          return;
        } catch (err) {
          event.detail = `${event.detail ? `${event.detail}\n` : ''}restart ${attempt} failed: ${(err as Error).message.split('\n')[0]}`;
          this.options.log(`${name} did not come back (attempt ${attempt}): ${(err as Error).message.split('\n')[0]}`);
        }
      }
    })().finally(() => {
      this.down.delete(name);
      this.restarts.delete(job);
    });
    this.restarts.add(job);
  }

  private async runInfraRestarts(): Promise<void> {
    const { servers, config } = this.options;
    const order = config.infraRestarts.filter((s) => servers.restartable.includes(s));
    for (const [i, server] of order.entries()) {
      const at = config.infraRestartAt[config.infraRestarts.indexOf(server)] ?? (i + 1) / (order.length + 1);
      while (this.faulting && this.options.progress() < at) await sleep(WATCH_INTERVAL_MS);
      if (!this.faulting) return;
      await this.restartServer(server);
    }
  }

  private async restartServer(server: InfraServer): Promise<void> {
    const event: FaultEvent = { kind: 'infra-restart', target: server, at: Date.now(), ok: false };
    this.events.push(event);
    this.options.log(`restarting ${server} (progress ${(this.options.progress() * 100).toFixed(0)}%)`);
    const result = await this.options.servers.restart(server);
    event.at = result.startedAt;
    event.ok = result.ok;
    if (result.ok) event.readyAt = result.readyAt;
    event.detail = `${result.where} server${result.error ? `: ${result.error}` : ''}`;
    this.options.log(`${server} ${result.ok ? `back after ${((result.readyAt - result.startedAt) / 1000).toFixed(1)} s` : `restart FAILED: ${result.error}`}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The last lines of a service log (its last 16 KB: logs of a long run are large). */
function readTail(file: string, lines = 20): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 16_384);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}
