import { caller } from '@notify/http';
import { childTraceparent, Headers, NotFoundError, parseTraceparent, type Logger } from '@notify/runtime';
import type { NotificationDoc } from '@notify/stores';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Intake } from '../accept/intake.js';
import type { AcceptOutcome } from '../domain/accept-notification.js';
import type { Settled } from '../domain/accept-records.js';
import { acceptReply, failureReply, type Reply } from './accept-reply.js';
import { parseInput } from './parse-input.js';
import { identifierSchema } from './schemas/identifiers.js';

export const MAX_BATCH_REQUESTS = 100;

export interface NotificationRoutesDependencies {
  intake: Pick<Intake, 'acceptRest' | 'acceptRestBatch'>;
  notifications: { get(tenantId: string, notificationId: string): Promise<NotificationDoc | null> };
  logger: Logger;
}

/** The batch as a whole; each item is validated on its own and answered in its own result. */
export const batchBodySchema = z.strictObject({
  requests: z
    .array(z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }))
    .min(1, 'must hold at least one request')
    .max(MAX_BATCH_REQUESTS, `must hold at most ${MAX_BATCH_REQUESTS} requests`)
    .meta({ description: 'NotificationRequest objects; an invalid one is answered 400 in its result, the others go ahead.' }),
});

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Idempotency-Key header, when sent, is the request's key (over one in the body). */
export function withIdempotencyKeyHeader(body: unknown, header: string | undefined): unknown {
  return header !== undefined && isPlainObject(body) ? { ...body, idempotencyKey: header } : body;
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

  const logAccepted = (outcome: AcceptOutcome, tenantId: string, traceparent: string) => {
    if (outcome.kind !== 'accepted') return;
    deps.logger.info(
      {
        tenantId,
        idempotencyKey: outcome.response.idempotencyKey,
        notifications: outcome.notifications.length,
        ...(outcome.expansion ? { topics: outcome.expansion.topics } : {}),
        traceId: parseTraceparent(traceparent)?.traceId,
      },
      'request accepted',
    );
  };

  /** Items that failed with the same error (a broker or store outage fails many at once) are logged once. */
  const logFailures = (outcomes: ReadonlyArray<Settled<AcceptOutcome>>, tenantId: string) => {
    const failed = new Map<Error, number[]>();
    outcomes.forEach((outcome, index) => {
      if (outcome instanceof Error && failureReply(outcome).status >= 500)
        failed.set(outcome, [...(failed.get(outcome) ?? []), index]);
    });
    for (const [err, indexes] of failed) deps.logger.error({ err, tenantId, indexes }, 'batch items failed');
  };

  router.post('/notifications', async (req, res) => {
    const { tenantId } = caller(res);
    const body = withIdempotencyKeyHeader(req.body, req.header('idempotency-key'));
    const traceparent = traceparentOf(req);
    const outcome = await deps.intake.acceptRest({ body, tenantId, traceparent });
    logAccepted(outcome, tenantId, traceparent);
    send(res, acceptReply(outcome));
  });

  router.post('/notifications/batch', async (req, res) => {
    const { tenantId } = caller(res);
    const { requests } = parseInput(batchBodySchema, req.body);
    const traceparent = traceparentOf(req);
    const outcomes = await deps.intake.acceptRestBatch({ bodies: requests, tenantId, traceparent });
    logFailures(outcomes, tenantId);
    const results = outcomes.map((outcome, index) => {
      if (!(outcome instanceof Error)) logAccepted(outcome, tenantId, traceparent);
      const reply = outcome instanceof Error ? failureReply(outcome) : acceptReply(outcome);
      const { status: _accepted, ...accepted } = reply.body;
      return reply.status === 202
        ? { index, status: reply.status, ...accepted }
        : { index, status: reply.status, ...reply.body };
    });
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
