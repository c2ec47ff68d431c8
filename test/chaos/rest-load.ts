// Sends REST requests through POST /v1/notifications/batch with bounded concurrency. An item answered
// 5xx, 409 (in flight) or 429, or a call that failed as a whole (ingest killed, connection refused), is
// sent again later with the same idempotency key and the same body: a retry must never make a duplicate.
import type { PlannedRequest } from './workload.js';

export interface RestLoadOptions {
  ingestUrl: string;
  apiKey: string;
  batchSize: number;
  concurrency: number;
  scheduleDelayMs: number;
  /** Waits until `count` more notifications may be offered (rate limiting); resolves at once when unbounded. */
  pace: (count: number) => Promise<void>;
  onAccepted: (request: PlannedRequest, notificationIds: string[]) => void;
  /** Longest time one request keeps being retried before it is given up. */
  giveUpAfterMs?: number;
  now?: () => number;
}

export interface RestLoadStats {
  calls: number;
  failedCalls: number;
  /** Item answers that were retried, by HTTP status ("network" for calls that got no answer). */
  retriedItems: Record<string, number>;
  accepted: number;
  /** Repeats answered with the first answer (Idempotent-Replayed or a 202 to a retried item). */
  acceptedOnRetry: number;
  /** Items refused for good (400, 404, 422...): a bug in the workload or the API. */
  rejected: Array<{ key: string; status: number; body: unknown }>;
  gaveUp: string[];
}

interface Pending {
  request: PlannedRequest;
  body: Record<string, unknown>;
  attempts: number;
  firstTriedAt: number;
  nextAt: number;
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5_000; // 5 s
const CALL_TIMEOUT_MS = 60_000; // 1 min
const RETRIABLE = (status: number) => status === 409 || status === 429 || status >= 500;

function backoff(attempts: number, retryAfterSeconds?: number): number {
  const exp = Math.min(RETRY_BASE_MS * 2 ** Math.min(attempts, 6), RETRY_MAX_MS);
  const wanted = retryAfterSeconds !== undefined ? Math.min(retryAfterSeconds * 1000, RETRY_MAX_MS) : exp;
  return wanted / 2 + Math.random() * (wanted / 2);
}

function bodyOf(request: PlannedRequest, scheduledFor: number | null): Record<string, unknown> {
  return {
    idempotencyKey: request.key,
    recipients: request.recipients,
    templateId: request.templateId,
    category: request.category,
    channels: request.channels,
    priority: 'NORMAL',
    data: request.data,
    ...(scheduledFor !== null ? { scheduledFor } : {}),
    ...(request.digest ? { digest: request.digest } : {}),
  };
}

export async function runRestLoad(requests: readonly PlannedRequest[], options: RestLoadOptions): Promise<RestLoadStats> {
  const now = options.now ?? Date.now;
  const giveUpAfterMs = options.giveUpAfterMs ?? 15 * 60_000; // 15 min
  const stats: RestLoadStats = { calls: 0, failedCalls: 0, retriedItems: {}, accepted: 0, acceptedOnRetry: 0, rejected: [], gaveUp: [] };
  const queue: Pending[] = [];
  let nextFresh = 0;
  let inFlight = 0;

  const countRetry = (status: string) => (stats.retriedItems[status] = (stats.retriedItems[status] ?? 0) + 1);
  const retryLater = (item: Pending, status: string, retryAfterSeconds?: number) => {
    countRetry(status);
    item.attempts += 1;
    if (now() - item.firstTriedAt > giveUpAfterMs) {
      stats.gaveUp.push(item.request.key);
      return;
    }
    item.nextAt = now() + backoff(item.attempts, retryAfterSeconds);
    queue.push(item);
  };

  /** The next batch: due retries first, then fresh requests (paced). */
  const takeBatch = async (): Promise<Pending[]> => {
    const t = now();
    const due = queue.filter((p) => p.nextAt <= t).slice(0, options.batchSize);
    for (const p of due) queue.splice(queue.indexOf(p), 1);
    const fresh: Pending[] = [];
    while (due.length + fresh.length < options.batchSize && nextFresh < requests.length) {
      const request = requests[nextFresh++]!;
      await options.pace(request.recipients.length);
      // scheduledFor is fixed at the first send: a retry must carry the very same body.
      const scheduledFor = request.scheduled ? now() + options.scheduleDelayMs : null;
      fresh.push({ request, body: bodyOf(request, scheduledFor), attempts: 0, firstTriedAt: now(), nextAt: 0 });
    }
    return [...due, ...fresh];
  };

  const send = async (batch: Pending[]) => {
    stats.calls += 1;
    let res: Response;
    let payload: { results?: Array<{ index: number; status: number; notificationIds?: string[] } & Record<string, unknown>> };
    try {
      res = await fetch(`${options.ingestUrl}/v1/notifications/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
        body: JSON.stringify({ requests: batch.map((p) => p.body) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      payload = (await res.json().catch(() => ({}))) as typeof payload;
    } catch {
      stats.failedCalls += 1;
      for (const p of batch) retryLater(p, 'network');
      return;
    }
    if (res.status !== 200 || !Array.isArray(payload.results)) {
      stats.failedCalls += 1;
      const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
      for (const p of batch) {
        if (RETRIABLE(res.status)) retryLater(p, String(res.status), Number.isFinite(retryAfter) ? retryAfter : undefined);
        else stats.rejected.push({ key: p.request.key, status: res.status, body: payload });
      }
      return;
    }
    for (const result of payload.results) {
      const p = batch[result.index]!;
      if (result.status === 202) {
        stats.accepted += 1;
        if (p.attempts > 0) stats.acceptedOnRetry += 1;
        options.onAccepted(p.request, result.notificationIds ?? []);
      } else if (RETRIABLE(result.status)) {
        retryLater(p, String(result.status));
      } else {
        stats.rejected.push({ key: p.request.key, status: result.status, body: result });
      }
    }
  };

  const worker = async () => {
    for (;;) {
      const batch = await takeBatch();
      if (batch.length > 0) {
        inFlight += 1;
        try {
          await send(batch);
        } finally {
          inFlight -= 1;
        }
        continue;
      }
      if (nextFresh >= requests.length && queue.length === 0 && inFlight === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return stats;
}
