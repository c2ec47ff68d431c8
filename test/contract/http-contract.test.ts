import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ApiKeyRepository, TenantRepository } from '@notify/stores';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquirePipelineLock } from '../../scripts/pipeline/pipeline-lock.js';
import { freePort, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { stackEnv, uniqueName } from '../support/stack-env.js';
import { documentedOperations, failuresOf, runSchemathesis, testedOperations } from './schemathesis.js';

// Every HTTP service with an OpenAPI document, tested against it by Schemathesis with all its checks:
// what the document says is what the service does.

const env = stackEnv();
const tenant = uniqueName('contract');
const mongo = new MongoClient(env.MONGODB_URI, { serverSelectionTimeoutMS: 10_000 });
const running: ServiceProcess[] = [];
let apiKey = '';
let releaseLock = () => {};

const CONTRACT = {
  maxExamples: 40,
  seed: 1,
  // Generous: the machine runs the rest of the suite alongside.
  maxResponseTimeSeconds: 30,
};

async function startHttpService(
  name: string,
  entry: string,
  extraEnv: (base: string) => Record<string, string> = () => ({}),
): Promise<string> {
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  const service = await startServiceProcess(name, entry, {
    HTTP_PORT: String(httpPort),
    INSTANCE_ID: uniqueName(`${name}-contract`),
    ...extraEnv(base),
  });
  running.push(service);
  await service.waitReady(90_000);
  return base;
}

beforeAll(async () => {
  // The services consume the pipeline's global topics: never alongside another launched pipeline.
  releaseLock = await acquirePipelineLock(30 * 60_000);
  await mongo.connect();
  await new TenantRepository(mongo.db()).upsert({ tenantId: tenant, name: 'Contract', defaultLocale: 'en' });
  // Admin scope, so the admin operations are tested too; a limit far above what the run sends.
  apiKey = (
    await new ApiKeyRepository(mongo.db()).create({
      tenantId: tenant,
      scopes: ['admin'],
      rateLimitPerMinute: 1_000_000,
    })
  ).key;
});

afterAll(async () => {
  for (const service of running) service.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  await mongo.close();
  releaseLock();
});

/** The stack's Redis, another database of it. */
function isolatedRedisUrl(): string {
  const url = new URL(process.env.REDIS_URL!);
  url.pathname = '/7';
  return url.toString();
}

/** Runs Schemathesis against the service at `base` and expects it to have tested every operation and found nothing. */
async function expectContractHolds(base: string, headers?: Record<string, string>): Promise<void> {
  const documentUrl = `${base}/v1/openapi.json`;
  const run = await runSchemathesis(documentUrl, { ...CONTRACT, ...(headers ? { headers } : {}) });
  expect(run.exitCode, failuresOf(run.output)).toBe(0);
  expect(testedOperations(run.output)).toBe(await documentedOperations(documentUrl));
}

describe('HTTP contract (Schemathesis, all checks)', () => {
  it('ingest does what its OpenAPI document says', async () => {
    // Its own Redis database: the fuzzed admin operations switch runtime controls (channels, providers)
    // off, which must not reach the pipelines other tests launch on the same stack.
    const base = await startHttpService('ingest', 'services/ingest/src/main.ts', () => ({ REDIS_URL: isolatedRedisUrl() }));
    await expectContractHolds(base, { Authorization: `Bearer ${apiKey}` });
  }, 20 * 60_000);

  it('inapp-gateway does what its OpenAPI document says', async () => {
    const base = await startHttpService('inapp-gateway', 'services/inapp-gateway/src/main.ts');
    await expectContractHolds(base, { Authorization: `Bearer ${apiKey}` });
  }, 20 * 60_000);

  it("the status tracker's callbacks do what their OpenAPI document says (unsigned requests: refused)", async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const base = await startHttpService('status-tracker', 'services/status-tracker/src/main.ts', (url) => ({
      SENDGRID_WEBHOOK_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      TWILIO_AUTH_TOKEN: randomUUID(),
      PUBLIC_BASE_URL: url,
    }));
    await expectContractHolds(base);
  }, 20 * 60_000);
});
