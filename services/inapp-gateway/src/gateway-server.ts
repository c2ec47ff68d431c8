import http from 'node:http';
import type { Express } from 'express';
import type { SocketGateway } from './socket-gateway.js';

/** One port for the inbox REST API and the WebSocket upgrades. */
export async function startGatewayServer(app: Express, gateway: SocketGateway, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => void gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  gateway.start();
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await gateway.close();
      await stopped;
    },
  };
}
