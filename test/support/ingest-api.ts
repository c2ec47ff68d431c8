// A test's client of the ingest REST API: its tenant and key, calls, and waiting on timelines.
import { ApiKeyRepository, TenantRepository } from '@notify/stores';
import type { Db } from 'mongodb';
import { waitFor } from './kafka.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: Loose;
}

export type IngestCall = (method: string, route: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer>;

/** A tenant of its own with an API key (rate limit high enough for a test's bursts). */
export async function createTestTenant(db: Db, tenantId: string, name: string): Promise<string> {
  await new TenantRepository(db).upsert({ tenantId, name, defaultLocale: 'en' });
  return (await new ApiKeyRepository(db).create({ tenantId, rateLimitPerMinute: 10_000 })).key;
}

/** Calls `baseUrl` (read at each call: the pipeline starts after the client is made) with the API key. */
export function ingestApi(baseUrl: () => string, apiKey: () => string): IngestCall {
  return async (method, route, body, headers = {}) => {
    const res = await fetch(`${baseUrl()}${route}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), authorization: `Bearer ${apiKey()}`, ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Loose };
  };
}

/** Waits until the notification's timeline has an event matching `match`; returns that event. */
export async function waitForTimelineEvent(api: IngestCall, id: string, match: Record<string, unknown>, timeoutMs = 60_000): Promise<Loose> {
  let found: Loose;
  let last: Loose;
  await waitFor(
    async () => {
      last = (await api('GET', `/v1/notifications/${id}`)).body;
      found = last?.timeline?.find((e: Loose) => Object.entries(match).every(([k, v]) => e[k] === v));
      return Boolean(found);
    },
    timeoutMs,
    `${JSON.stringify(match)} on ${id}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; timeline: ${JSON.stringify(last?.timeline?.map((e: Loose) => `${e.status}/${e.stage}/${e.channel}`))}`);
  });
  return found;
}
