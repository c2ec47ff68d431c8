import express from 'express';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { listen } from './http-app.js';

/** One keep-alive connection that sends a request as soon as the previous answer came back. */
function busyClient(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Array<string | undefined> = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const answer = await new Promise<string | undefined>((resolve) => {
        const req = http.get({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
        });
        req.on('error', () => resolve('error'));
      });
      answers.push(answer);
      if (answer === 'error') break;
    }
  })();
  return {
    answers,
    /** Settles when the loop ends by itself: a request found the connection, and then the server, gone. */
    ended: done.then(() => agent.destroy()),
    stop: async () => {
      stopped = true;
      await done;
      agent.destroy();
    },
  };
}

describe('listen', () => {
  it('closes a connection that a client keeps busy after its current response, instead of serving it forever', async () => {
    const app = express();
    app.get('/', (_req, res) => void setTimeout(() => res.send('ok'), 5));
    const server = await listen(app, 0);
    const client = busyClient(server.port);
    // A few answers on the same connection first; under a loaded machine that can take far more than 100 ms.
    const deadline = Date.now() + 10_000;
    while (client.answers.length <= 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(client.answers.length).toBeGreaterThan(3);
    expect(client.answers.every((c) => c === 'keep-alive')).toBe(true);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    // Stopping the client here could race its last keep-alive answer (a request taken before close() began):
    // let it run until its next request finds no server.
    await client.ended;
    // The busy connection was ended: its last answer said Connection: close (a request that came in after
    // close() began), or the next request found no connection (one answered just before).
    expect(['close', 'error']).toContain(client.answers.at(-1));
    expect(client.answers.slice(0, -1).every((c) => c === 'keep-alive' || c === 'close')).toBe(true);
  });

  it('cuts a request that outlasts the drain period', async () => {
    const app = express();
    app.get('/', () => undefined); // never answers
    const server = await listen(app, 0, 200);
    const failed = new Promise<boolean>((resolve) => {
      http.get({ port: server.port, host: '127.0.0.1', path: '/' }, () => resolve(false)).on('error', () => resolve(true));
    });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await failed).toBe(true);
  });
});
