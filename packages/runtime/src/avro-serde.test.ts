import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AvroSerde } from './avro-serde.js';
import { DependencyUnavailableError, PermanentError } from './errors.js';

const topic = { name: 'serde.test', schema: 'notification-status', key: 'notification', partitions: 1, retentionMs: 60_000 } as const;

let server: http.Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A registry stand-in answering every request with `reply`, or never when it is null. */
async function registry(reply: { status: number; body: unknown } | null): Promise<string> {
  server = http.createServer((_req, res) => {
    if (!reply) return; // hangs: the client's timeout must end the request
    res.writeHead(reply.status, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('AvroSerde registration failures', () => {
  it('takes a registry that does not answer in time for an unavailable dependency, to retry', async () => {
    const serde = new AvroSerde({ url: await registry(null), requestTimeoutMs: 200 });
    const err = await serde.prepareOutputs([topic], true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as DependencyUnavailableError).canRetry).toBe(true);
  });

  it('takes a schema the registry refuses as invalid for a permanent failure', async () => {
    const serde = new AvroSerde({ url: await registry({ status: 422, body: { error_code: 42201, message: 'Invalid schema' } }) });
    const err = await serde.prepareOutputs([topic], true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/Invalid schema/);
  });
});
