import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorControl, type InjectedFailure } from './control.js';
import { handleControlRoute } from './control-routes.js';
import { emulatorRecords } from './emulator-records.js';
import type { EmulatorHandle, EmulatorOptions } from './emulator-handle.js';
import { readBody } from './http-body.js';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export interface ApiReply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are; undefined as an empty body. */
  body?: unknown;
}

export interface ApiOutcome<R> {
  reply: ApiReply;
  /** Set when the call was accepted: appended to `received`. */
  record?: R;
}

export interface HttpEmulatorSpec<R, C extends EmulatorControl = EmulatorControl> {
  options: EmulatorOptions;
  /** An emulator with extra programmable state passes its own control. */
  control?: C;
  maxBodyBytes: number;
  /** Whether a request addresses the emulated API (others get `notFound`). */
  matches(method: string, path: string): boolean;
  handle(req: ApiRequest): ApiOutcome<R>;
  /** The provider-shaped answer to an injected failure. */
  failureReply(failure: InjectedFailure): ApiReply;
  tooLargeReply(): ApiReply;
  notFoundReply(method: string, path: string): ApiReply;
  applyExtra?(extra: Record<string, unknown>): string[];
  extraState?(): Record<string, unknown>;
}

/**
 * Runs an emulated HTTP API: control routes, body limits, injected latency and failures, then the
 * provider's own checks. Pending latency timers and open connections are cleared on stop.
 */
export async function startHttpEmulator<R, C extends EmulatorControl = EmulatorControl>(
  spec: HttpEmulatorSpec<R, C>,
): Promise<EmulatorHandle<R, C>> {
  const control =
    spec.control ?? (new EmulatorControl(spec.options.random ? { random: spec.options.random } : {}) as C);
  const { received, calls, clearReceived, delay, clearTimers } = emulatorRecords<R>();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const handled = await handleControlRoute(req, res, {
      control,
      received,
      calls,
      clearReceived,
      ...(spec.applyExtra ? { applyExtra: spec.applyExtra } : {}),
      ...(spec.extraState ? { extraState: spec.extraState } : {}),
    });
    if (handled) return;

    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator');
    const record = (status: number): void => {
      calls.push({ method, path: url.pathname, status, at: Date.now() });
    };
    if (!spec.matches(method, url.pathname)) {
      const reply = spec.notFoundReply(method, url.pathname);
      record(reply.status);
      writeReply(res, reply);
      return;
    }

    const body = await readBody(req, spec.maxBodyBytes);
    if (!body.ok && body.reason === 'aborted') return;
    const plan = control.next();
    await delay(plan.delayMs);
    if (res.destroyed) return;

    let outcome: ApiOutcome<R>;
    if (plan.failure) outcome = { reply: spec.failureReply(plan.failure) };
    else if (!body.ok) outcome = { reply: spec.tooLargeReply() };
    else
      outcome = spec.handle({
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        raw: body.raw,
      });

    if (outcome.record !== undefined) received.push(outcome.record);
    record(outcome.reply.status);
    writeReply(res, outcome.reply);
  }

  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) writeReply(res, { status: 500, body: { error: String(err) } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000; // 5 s

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.options.port ?? 0, spec.options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    received,
    calls,
    control,
    clearReceived,
    stop: () =>
      new Promise<void>((resolve) => {
        clearTimers();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function writeReply(res: ServerResponse, reply: ApiReply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  let payload: Buffer | undefined;
  if (typeof reply.body === 'string') payload = Buffer.from(reply.body, 'utf8');
  else if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = payload?.length ?? 0;
  res.writeHead(reply.status, headers);
  res.end(payload);
}
