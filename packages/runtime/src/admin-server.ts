import http from 'node:http';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<boolean> | boolean;

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

/** /healthz (process alive), /readyz (every check passes), /metrics (Prometheus text). */
export async function startAdminServer(
  port: number,
  registry: Registry,
  checks: Record<string, ReadinessCheck>,
): Promise<AdminServer> {
  const server = http.createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (url === '/readyz') {
        const results = Object.fromEntries(
          await Promise.all(
            Object.entries(checks).map(async ([name, check]) => [name, await Promise.resolve(check()).catch(() => false)] as const),
          ),
        );
        const ready = Object.values(results).every(Boolean);
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready, checks: results }));
      } else if (url === '/metrics') {
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      } else {
        res.writeHead(404).end();
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
