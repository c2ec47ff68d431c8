import express from 'express';
import { describe, expect, it } from 'vitest';
import { listen } from './http-app.js';
import { methodGuard } from './method-guard.js';

describe('methodGuard', () => {
  it('answers 405 with Allow for a documented path asked with another method, and lets the rest through', async () => {
    const app = express();
    app.use(methodGuard({ '/v1/things/{id}': { get: {}, put: {}, parameters: [] }, '/v1/things': { post: {} } }));
    app.all('/{*rest}', (_req, res) => void res.status(299).end());
    const server = await listen(app, 0);
    const call = (method: string, path: string) => fetch(`http://127.0.0.1:${server.port}${path}`, { method });
    try {
      const refused = await call('DELETE', '/v1/things/a%20b');
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, PUT, HEAD');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
      expect((await call('GET', '/v1/things')).status).toBe(405);
      expect((await call('GET', '/v1/things/1')).status).toBe(299);
      expect((await call('HEAD', '/v1/things/1')).status).toBe(299);
      expect((await call('POST', '/v1/things')).status).toBe(299);
      expect((await call('DELETE', '/v1/things/1/more')).status).toBe(299);
      expect((await call('DELETE', '/v1/other')).status).toBe(299);
    } finally {
      await server.close();
    }
  });
});
