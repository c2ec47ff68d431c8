import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface MotoServerOptions {
  /** 0 (the default) lets the server pick a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /**
   * The moto_server executable. Defaults to MOTO_SERVER_BIN (set by `npm test`), else the one
   * scripts/lib/python-tools.mjs provisions from PyPI (once, which can take a minute).
   */
  bin?: string;
  /** How long the server gets to answer once started (ms). */
  startTimeoutMs?: number;
}

/** An email SES accepted (SendEmail, simple or raw content), as moto keeps it. */
export interface MotoSentEmail {
  messageId: string;
  source: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  /** The HTML part when there is one, else the text part. */
  body: string;
}

/** An SMS SNS accepted (Publish to a phone number), as moto keeps it. */
export interface MotoSentSms {
  messageId: string;
  phoneNumber: string;
  message: string;
}

/** An AWS request as moto received it. */
export interface MotoRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * moto's server mode: SES, SNS and the other AWS APIs on one loopback port, for the official SDKs. It needs
 * a SigV4-signed request (it reads service and region from the signature) and, for SES, a verified sender
 * identity in the request's region; it accepts any credentials unless `enforceAuth` is on.
 */
export interface MotoServerHandle {
  /** e.g. http://127.0.0.1:18107, the SDK clients' `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** Emails accepted by SES in every account and region, oldest first. */
  sentEmails(): Promise<MotoSentEmail[]>;
  /** SMS accepted by SNS in every account and region, oldest first. */
  sentSms(): Promise<MotoSentSms[]>;
  /**
   * Every AWS request since start or the last reset, as sent, oldest first: what moto's models do not keep
   * (SES configuration set, tags and headers; SNS message attributes) is in the bodies.
   */
  requests(): Promise<MotoRequest[]>;
  /** On: access keys that moto's IAM does not know are refused (403 InvalidClientTokenId). Off: any is taken. */
  enforceAuth(on: boolean): Promise<void>;
  /** Verifies an email identity in SES's sandbox of `region`, as the console's verification link would. */
  verifyEmailIdentity(address: string, region?: string): Promise<void>;
  /** Forgets every resource, message and recorded request. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 30_000; // thirty seconds
const STOP_GRACE_MS = 5_000; // five seconds
const OUTPUT_TAIL_LINES = 20;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Starts `moto_server` as a child process and resolves once it answers. */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServerHandle> {
  const bin = options.bin ?? (await motoServerBin());
  const host = options.host ?? '127.0.0.1';
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moto-'));
  const child = spawn(bin, ['-H', host, '-p', String(options.port ?? 0)], {
    cwd: workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MOTO_ENABLE_RECORDING: 'true',
      MOTO_RECORDER_FILEPATH: path.join(workDir, 'recording.jsonl'),
    },
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanUp = () => {
    process.removeListener('exit', killOnExit);
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    const running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
    if (running) {
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(forced);
    }
    cleanUp();
  };

  let url: string;
  try {
    url = await listeningUrl(child, exited, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    await waitUntilAnswering(url, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }

  const api = async (route: string, init?: RequestInit): Promise<string> => {
    const res = await fetch(`${url}/moto-api/${route}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`moto ${route} answered ${res.status}: ${text.slice(0, 200)}`);
    return text;
  };
  const data = async () => JSON.parse(await api('data.json')) as MotoData;

  return {
    url,
    port: Number(new URL(url).port),
    async sentEmails() {
      return ((await data()).ses?.Message ?? []).map((m) => ({
        messageId: m.id,
        source: m.source,
        to: m.destinations?.ToAddresses ?? [],
        cc: m.destinations?.CcAddresses ?? [],
        bcc: m.destinations?.BccAddresses ?? [],
        subject: m.subject,
        body: m.body,
      }));
    },
    async sentSms() {
      return ((await data()).sns?.SMS ?? []).map((m) => ({
        messageId: m.message_id,
        phoneNumber: m.phone_number,
        message: m.message,
      }));
    },
    async requests() {
      const text = await api('recorder/download-recording');
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as RecordedRequest)
        .map((r) => ({
          method: r.method,
          path: pathOf(r.url),
          headers: lowerCaseKeys(r.headers),
          body: r.body_encoded ? Buffer.from(r.body ?? '', 'base64').toString('utf8') : (r.body ?? ''),
        }))
        .filter((r) => !r.path.startsWith('/moto-api/'));
    },
    async enforceAuth(on) {
      // The count of requests still let through without checking credentials: none, or all.
      await api('reset-auth', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: on ? '0' : 'inf',
      });
    },
    async verifyEmailIdentity(address, region = 'us-east-1') {
      // moto routes a request by the service and region its SigV4 credential scope names; unless
      // enforceAuth is on, it does not check the signature itself.
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=testing/20200101/${region}/ses/aws4_request, SignedHeaders=host, Signature=0`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ Action: 'VerifyEmailIdentity', EmailAddress: address, Version: '2010-12-01' }),
      });
      if (!res.ok) throw new Error(`moto VerifyEmailIdentity answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    },
    async reset() {
      await api('reset', { method: 'POST' });
      await api('recorder/reset-recording', { method: 'POST' });
    },
    stop,
  };
}

/** What /moto-api/data.json holds of the models read here. */
interface MotoData {
  ses?: {
    Message?: Array<{
      id: string;
      source: string;
      destinations?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
      subject: string;
      body: string;
    }>;
  };
  sns?: { SMS?: Array<{ message_id: string; phone_number: string; message: string }> };
}

/** A line of moto's recording. */
interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | null;
  body_encoded?: boolean;
}

async function motoServerBin(): Promise<string> {
  if (process.env.MOTO_SERVER_BIN) return process.env.MOTO_SERVER_BIN;
  const tools = (await import(
    pathToFileURL(path.join(REPO_ROOT, 'scripts', 'lib', 'python-tools.mjs')).href
  )) as {
    pythonToolsEnv(): { MOTO_SERVER_BIN: string };
  };
  return tools.pythonToolsEnv().MOTO_SERVER_BIN;
}

/** The URL the server prints once it listens (`* Running on http://127.0.0.1:PORT`), the port it chose. */
function listeningUrl(
  child: ReturnType<typeof spawn>,
  exited: Promise<void>,
  timeoutMs: number,
): Promise<string> {
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`moto_server did not start within ${timeoutMs} ms:\n${tail.join('\n')}`)),
      timeoutMs,
    );
    // Both streams are read to the end, or the server would block once a pipe's buffer filled.
    const watch = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
        const running = /Running on (http:\/\/[^\s]+)/.exec(line);
        if (running) {
          clearTimeout(timer);
          resolve(running[1]!.replace(/\/$/, ''));
        }
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited (${child.exitCode ?? child.signalCode}):\n${tail.join('\n')}`));
    });
  });
}

async function waitUntilAnswering(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/moto-api/config`);
      await res.body?.cancel();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`moto_server at ${url} does not answer`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
