import { caller } from '@notify/http';
import { childTraceparent, Headers, mapByKey, NotFoundError, parseTraceparent, type Logger } from '@notify/runtime';
import type { NotificationDoc } from '@notify/stores';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Intake } from '../accept/intake.js';
import { acceptReply, failureReply, type Reply } from './accept-reply.js';
import { parseInput } from './parse-input.js';
import { identifierSchema } from './schemas/identifiers.js';

export const MAX_BATCH_REQUESTS = 100;

export interface NotificationRoutesDependencies {
  intake: Pick<Intake, 'acceptRest'>;
  notifications: { get(tenantId: string, notificationId: string): Promise<NotificationDoc | null> };
  /** Items of one batch accepted at the same time. */
  batchConcurrency: number;
  logger: Logger;
}

export const batchBodySchema = z.strictObject({
  requests: z
    .array(z.unknown())
    .min(1, 'must hold at least one request')
    .max(MAX_BATCH_REQUESTS, `must hold at most ${MAX_BATCH_REQUESTS} requests`),
});

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Idempotency-Key header, when sent, is the request's key (over one in the body). */
export function withIdempotencyKeyHeader(body: unknown, header: string | undefined): unknown {
  return header !== undefined && isPlainObject(body) ? { ...body, idempotencyKey: header } : body;
}

/**
 * Items that repeat an earlier item's idempotency key are accepted after the others, one by one, so a
 * repeat within one batch is answered as a duplicate (or a reused key) rather than found in flight.
 */
export function batchWaves(items: readonly unknown[]): [number[], number[]] {
  const seen = new Set<string>();
  const first: number[] = [];
  const repeats: number[] = [];
  items.forEach((item, index) => {
    const key =
      isPlainObject(item) && typeof item.idempotencyKey === 'string' && item.idempotencyKey !== ''
        ? item.idempotencyKey
        : undefined;
    if (key !== undefined && seen.has(key)) repeats.push(index);
    else {
      if (key !== undefined) seen.add(key);
      first.push(index);
    }
  });
  return [first, repeats];
}

function send(res: Response, reply: Reply): void {
  res.status(reply.status).set(reply.headers).json(reply.body);
}

/** The trace of the records produced for this call: the caller's trace when it sent one, else a new one. */
function traceparentOf(req: Request): string {
  return childTraceparent(req.header(Headers.TRACEPARENT));
}

function timelineBody(doc: NotificationDoc) {
  return {
    notificationId: doc._id,
    userId: doc.userId,
    status: doc.status,
    statusAt: doc.statusAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    timeline: doc.timeline.map((e) => ({
      status: e.status,
      stage: e.stage,
      channel: e.channel ?? null,
      provider: e.provider ?? null,
      reason: e.reason ?? null,
      providerMessageId: e.providerMessageId ?? null,
      occurredAt: e.occurredAt.toISOString(),
      attributes: e.attributes ?? {},
    })),
  };
}

/** POST /notifications, POST /notifications/batch, GET /notifications/:id */
export function notificationRoutes(deps: NotificationRoutesDependencies): Router {
  const router = Router();

  const acceptOne = async (body: unknown, tenantId: string, traceparent: string): Promise<Reply> => {
    const outcome = await deps.intake.acceptRest({ body, tenantId, traceparent });
    if (outcome.kind === 'accepted') {
      deps.logger.info(
        {
          tenantId,
          idempotencyKey: outcome.response.idempotencyKey,
          notifications: outcome.notifications.length,
          traceId: parseTraceparent(traceparent)?.traceId,
        },
        'request accepted',
      );
    }
    return acceptReply(outcome);
  };

  router.post('/notifications', async (req, res) => {
    const { tenantId } = caller(res);
    const body = withIdempotencyKeyHeader(req.body, req.header('idempotency-key'));
    send(res, await acceptOne(body, tenantId, traceparentOf(req)));
  });

  router.post('/notifications/batch', async (req, res) => {
    const { tenantId } = caller(res);
    const { requests } = parseInput(batchBodySchema, req.body);
    const traceparent = traceparentOf(req);
    const results = new Array<Record<string, unknown>>(requests.length);
    const acceptItem = async (index: number) => {
      let reply: Reply;
      try {
        reply = await acceptOne(requests[index], tenantId, traceparent);
      } catch (err) {
        reply = failureReply(err);
        if (reply.status >= 500) deps.logger.error({ err, tenantId, index }, 'batch item failed');
      }
      const { status: _accepted, ...accepted } = reply.body;
      results[index] =
        reply.status === 202
          ? { index, status: reply.status, ...accepted }
          : { index, status: reply.status, ...reply.body };
    };
    const [first, repeats] = batchWaves(requests);
    await mapByKey(first, () => null, deps.batchConcurrency, acceptItem);
    for (const index of repeats) await acceptItem(index);
    res.status(200).json({ results });
  });

  router.get('/notifications/:notificationId', async (req, res) => {
    const { tenantId } = caller(res);
    const notificationId = parseInput(identifierSchema, req.params.notificationId, ['notificationId']);
    // Another tenant's notification is not found, exactly like one that does not exist.
    const doc = await deps.notifications.get(tenantId, notificationId);
    if (!doc) throw new NotFoundError('notification', notificationId);
    res.json(timelineBody(doc));
  });

  return router;
}
