import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControlRoute, sendJson, type ControlRoutesTarget } from './control-routes.js';

export interface ControlServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A stand-alone HTTP server with only the control routes, for emulators that do not speak HTTP (SMTP). */
export async function startControlServer(
  target: ControlRoutesTarget,
  port: number,
  host: string,
): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    handleControlRoute(req, res, target)
      .then((handled) => {
        if (!handled)
          sendJson(res, 404, { error: 'only /__control, /__received and /__calls are served here' });
      })
      .catch((err: unknown) => sendJson(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    port: address.port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
