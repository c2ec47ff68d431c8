import {
  DEFAULT_FCM_ACCESS_TOKEN,
  DEFAULT_FCM_PROJECT_ID,
  DEFAULT_SENDGRID_API_KEY,
  DEFAULT_TWILIO_ACCOUNT_SID,
  DEFAULT_TWILIO_AUTH_TOKEN,
  DEFAULT_WEBHOOK_SECRET,
  startAllEmulators,
  startMotoServer,
  type EmulatorSet,
  type MotoServerHandle,
} from '@notify/provider-emulators';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { acquirePipelineLock } from './pipeline-lock.js';
import { freePort, REPO_ROOT, spawnService, type ServiceProcess } from './service-process.js';

export interface StackEndpoints {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  MONGODB_URI: string;
  REDIS_URL: string;
}

export const SERVICE_NAMES = [
  'ingest',
  'enrichment',
  'preference-filter',
  'scheduler',
  'channel-router',
  'sender-sendgrid',
  'sender-twilio',
  'sender-smtp',
  'sender-webhook',
  'sender-push',
  'sender-inapp',
  'status-tracker',
  'inapp-gateway',
] as const;

/**
 * Senders of providers no default route uses, launched only when `only` names them. The AWS ones talk to
 * moto (a Python process), started with them.
 */
export const OPTIONAL_SERVICE_NAMES = ['sender-ses', 'sender-sns', 'sender-apns'] as const;
const AWS_SENDERS: readonly ServiceName[] = ['sender-ses', 'sender-sns'];

export type ServiceName = (typeof SERVICE_NAMES)[number] | (typeof OPTIONAL_SERVICE_NAMES)[number];

/** The identity the launched SES sender sends from, verified in moto's sandbox. */
export const SES_FROM = 'notifications@example.com';
const AWS_REGION = 'us-east-1';

export interface LaunchOptions {
  stack: StackEndpoints;
  logDir: string;
  /** Variables for every service (e.g. RETRY_DELAYS_MS, CLOCK_OFFSET_REDIS_URL). */
  env?: Record<string, string>;
  /** Variables for one service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Start only these (default: all). */
  only?: readonly ServiceName[];
  /** Run each service's built `dist/main.js` (see `buildServices`) instead of its sources through tsx. */
  compiled?: boolean;
  /** How long to wait for another launched pipeline on this machine to stop (default 30 min). */
  lockTimeoutMs?: number;
}

export interface RunningPipeline {
  emulators: EmulatorSet;
  /** moto, when an AWS sender was launched. */
  moto: MotoServerHandle | undefined;
  processes: Map<ServiceName, ServiceProcess>;
  ingestUrl: string;
  statusUrl: string;
  gatewayUrl: string;
  /** Kills a service (SIGKILL by default) and starts it again with the same settings. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts a second process of a service with the same settings and makes it the service's process;
   * returns the one it replaces, still running, for the caller to stop. Not for services with an HTTP port.
   */
  startReplacement(name: ServiceName): Promise<{ previous: ServiceProcess | undefined; ready: Promise<void> }>;
  stop(): Promise<void>;
}

/** The heap settings the container image gives every service (its `ENV NODE_OPTIONS`). */
export const SERVICE_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=32';

function entryOf(name: ServiceName, compiled: boolean): string {
  const dir = name.startsWith('sender-') ? 'sender' : name;
  return compiled
    ? path.join(REPO_ROOT, 'services', dir, 'dist', 'main.js')
    : path.join(REPO_ROOT, 'services', dir, 'src', 'main.ts');
}

/**
 * Builds the workspaces (`turbo run build`, cached when nothing changed), for a `compiled` launch: all of
 * them, or those turbo `filters` select (e.g. `@notify/ingest...`: ingest and what it depends on).
 */
export function buildServices(filters: readonly string[] = []): void {
  const args = ['turbo', 'run', 'build', '--output-logs=errors-only', ...filters.map((f) => `--filter=${f}`)];
  const res = spawnSync('npx', args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`turbo run build failed (exit ${res.status ?? res.signal})`);
}

/**
 * Starts the provider emulators in this process and every service as its own process, pointed at them
 * and at the stack; resolves when every service answers /readyz.
 */
export async function launchPipeline(options: LaunchOptions): Promise<RunningPipeline> {
  const unlock = await acquirePipelineLock(options.lockTimeoutMs ?? 30 * 60_000);
  const [sendgrid, twilio, fcm, webhook, smtp, smtpControl, ingestPort, statusPort, gatewayPort] = await Promise.all(
    Array.from({ length: 9 }, () => freePort()),
  );
  const emulators = await startAllEmulators({ sendgrid: sendgrid!, twilio: twilio!, fcm: fcm!, webhook: webhook!, smtp: smtp!, smtpControl: smtpControl! });
  const names = options.only ?? SERVICE_NAMES;
  let moto: MotoServerHandle | undefined;
  if (names.some((n) => AWS_SENDERS.includes(n))) {
    try {
      moto = await startMotoServer();
      await moto.verifyEmailIdentity(SES_FROM, AWS_REGION);
    } catch (err) {
      await moto?.stop();
      await emulators.stop();
      unlock();
      throw err;
    }
  }
  const aws = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
  const statusUrl = `http://127.0.0.1:${statusPort}`;
  const perService: Record<ServiceName, Record<string, string>> = {
    ingest: { HTTP_PORT: String(ingestPort) },
    enrichment: {},
    'preference-filter': {},
    scheduler: { SCHEDULER_POLL_MS: '500' },
    'channel-router': {},
    'sender-sendgrid': { SENDER_PROVIDER: 'sendgrid', SENDGRID_API_KEY: DEFAULT_SENDGRID_API_KEY, SENDGRID_BASE_URL: emulators.sendgrid.url, SENDGRID_FROM: 'notifications@example.com' },
    'sender-twilio': {
      SENDER_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: DEFAULT_TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: DEFAULT_TWILIO_AUTH_TOKEN,
      TWILIO_FROM: '+15005550006',
      TWILIO_BASE_URL: emulators.twilio.url,
      TWILIO_STATUS_CALLBACK_URL: `${statusUrl}/v1/callbacks/twilio/status`,
    },
    'sender-smtp': { SENDER_PROVIDER: 'smtp', SMTP_URL: `smtp://127.0.0.1:${smtp}`, SMTP_FROM: 'notifications@example.com' },
    // The webhook emulator is on loopback, which deliveries may only reach when allowlisted.
    'sender-webhook': { SENDER_PROVIDER: 'webhook', WEBHOOK_SIGNING_SECRET: DEFAULT_WEBHOOK_SECRET, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32,::1/128' },
    'sender-push': { SENDER_PROVIDER: 'push', PUSH_FCM_PROJECT_ID: DEFAULT_FCM_PROJECT_ID, PUSH_FCM_TOKEN: DEFAULT_FCM_ACCESS_TOKEN, PUSH_FCM_BASE_URL: emulators.fcm.url },
    'sender-inapp': { SENDER_PROVIDER: 'inapp' },
    'sender-ses': { SENDER_PROVIDER: 'ses', SES_REGION: AWS_REGION, SES_ENDPOINT: moto?.url ?? '', SES_FROM, ...aws },
    'sender-apns': {
      SENDER_PROVIDER: 'apns',
      APNS_KEY_ID: emulators.apns.credentials.keyId,
      APNS_TEAM_ID: emulators.apns.credentials.teamId,
      APNS_PRIVATE_KEY: emulators.apns.credentials.privateKey!,
      APNS_TOPIC: emulators.apns.credentials.topic,
      APNS_BASE_URL: emulators.apns.url,
      APNS_CA: emulators.apns.ca,
    },
    'sender-sns': { SENDER_PROVIDER: 'sns', SNS_REGION: AWS_REGION, SNS_ENDPOINT: moto?.url ?? '', SNS_SENDER_ID: 'Notify', ...aws },
    'status-tracker': { HTTP_PORT: String(statusPort), TWILIO_AUTH_TOKEN: DEFAULT_TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL: statusUrl },
    'inapp-gateway': { HTTP_PORT: String(gatewayPort) },
  };

  const envFor = (name: ServiceName) => ({
    NODE_OPTIONS: SERVICE_NODE_OPTIONS,
    ...options.stack,
    INSTANCE_ID: `${name}-0`,
    PARTITIONS_CONCURRENCY: '2',
    ...options.env,
    ...perService[name],
    ...options.serviceEnv?.[name],
  });
  const processes = new Map<ServiceName, ServiceProcess>();
  const start = async (name: ServiceName) => {
    const p = await spawnService(name, entryOf(name, options.compiled ?? false), envFor(name), options.logDir);
    processes.set(name, p);
    return p;
  };
  const stop = async () => {
    await Promise.all(
      [...processes.values()].map(async (p) => {
        p.kill('SIGTERM');
        const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
        await p.exited;
        clearTimeout(timer);
      }),
    );
    await emulators.stop();
    await moto?.stop();
    unlock();
  };
  try {
    const started = await Promise.all(names.map(start));
    await Promise.all(started.map((p) => p.waitReady(180_000)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    emulators,
    moto,
    processes,
    ingestUrl: `http://127.0.0.1:${ingestPort}`,
    statusUrl,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    async restart(name, signal = 'SIGKILL') {
      const p = processes.get(name);
      if (p) {
        p.kill(signal);
        await p.exited;
      }
      await (await start(name)).waitReady(120_000);
    },
    async startReplacement(name) {
      const previous = processes.get(name);
      const next = await start(name);
      return { previous, ready: next.waitReady(180_000) };
    },
    stop,
  };
}
