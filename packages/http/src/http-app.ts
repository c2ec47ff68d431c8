import { MetricNames, type Logger } from '@notify/runtime';
import express, { type Express } from 'express';
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { errorHandler, INVALID_UTF8 } from './http-errors.js';

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  registry: Registry;
  /** JSON body limit, e.g. '256kb'. */
  bodyLimit?: string;
  /** Larger limits for the routes under these paths (e.g. bulk calls), instead of bodyLimit. */
  bodyLimitsByPath?: ReadonlyArray<{ path: string; limit: string }>;
}

/** JSON is UTF-8: a body that is not would otherwise be decoded with replacement characters and go through. */
function refuseInvalidUtf8(_req: http.IncomingMessage, _res: http.ServerResponse, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: INVALID_UTF8 });
}

/** An express app with JSON parsing, a request counter, and (via `finish`) the shared error handler. */
export function createHttpApp(options: HttpAppOptions): { app: Express; finish(): void } {
  const app = express();
  app.disable('x-powered-by');
  // A body parsed under a path of its own is not parsed again by the general parser.
  for (const { path, limit } of options.bodyLimitsByPath ?? []) app.use(path, express.json({ limit, verify: refuseInvalidUtf8 }));
  app.use(express.json({ limit: options.bodyLimit ?? '256kb', verify: refuseInvalidUtf8 }));
  const requests = new Counter({
    name: MetricNames.HTTP_REQUESTS,
    help: 'HTTP requests by route and status',
    labelNames: ['service', 'method', 'route', 'status'] as const,
    registers: [options.registry],
  });
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      requests.inc({ service: options.service, method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  });
  return {
    app,
    finish() {
      app.use((_req, res) => {
        res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such route' } });
      });
      app.use(errorHandler(options.logger));
    },
  };
}

/** Listens and returns a closer that stops accepting and waits for open requests. */
/** How long open requests may run on after close() before their connections are cut. */
const DRAIN_MS = 10_000; // ten seconds, well inside a pod's grace period

/**
 * Serves `app` on `port`. close() stops accepting connections, ends idle keep-alive connections at once
 * and busy ones after their current response (a client that keeps a connection busy would otherwise
 * hold the server open past its grace period), and cuts whatever is left after DRAIN_MS.
 */
export async function listen(app: Express, port: number, drainMs = DRAIN_MS): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(app);
  let closing = false;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise((resolve) => {
        closing = true;
        const cut = setTimeout(() => server.closeAllConnections(), drainMs);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
