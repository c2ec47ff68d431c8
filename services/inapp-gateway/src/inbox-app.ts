import { createHttpApp, methodGuard, rateLimit } from '@notify/http';
import { NotFoundError, type Logger } from '@notify/runtime';
import { inboxChannel, type InboxDoc, type InboxRepository } from '@notify/stores';
import type { Redis } from 'ioredis';
import type { Express, Request, Response } from 'express';
import type { Registry } from 'prom-client';
import { parseId, parseInboxQuery, parseUserId } from './domain/inbox-query.js';
import { actingUser, inboxAuth, principal, type InboxAuthDependencies } from './inbox-auth.js';
import { inboxOpenApiDocument } from './openapi.js';

export interface InboxAppOptions extends InboxAuthDependencies {
  logger: Logger;
  registry: Registry;
  inbox: InboxRepository;
  /** Rate limits, and read receipts published to the user's other sockets. */
  redis: Redis;
}

export interface InboxItem {
  id: string;
  title: string | null;
  body: string;
  category: string;
  data: Record<string, string>;
  createdAt: string;
  readAt: string | null;
}

function toItem(doc: InboxDoc): InboxItem {
  return {
    id: doc._id,
    title: doc.title,
    body: doc.body,
    category: doc.category,
    data: doc.data,
    createdAt: doc.createdAt.toISOString(),
    readAt: doc.readAt ? doc.readAt.toISOString() : null,
  };
}

/** The tenant and user a request is for: the credential's tenant, the path's user (a token's own only). */
function target(req: Request, res: Response): { tenantId: string; userId: string } {
  const userId = parseUserId(req.params.userId);
  const p = principal(res);
  return { tenantId: p.tenantId, userId: actingUser(p, userId) };
}

/**
 * The inbox REST API, tenant-scoped by the credential: a tenant API key (server to server, any user of
 * the tenant) or an end user's token (`Authorization: Bearer <token>`, that user only: another user's
 * path is refused with 403).
 * GET  /v1/inbox/:userId?unread=true&limit=50&before=<iso>  newest first; `nextBefore` pages on
 * GET  /v1/inbox/:userId/unread-count
 * POST /v1/inbox/:userId/:notificationId/read               404 unless the tenant's user has it
 * POST /v1/inbox/:userId/read-all
 * Read receipts are published on the user's channel so the user's other tabs and devices update.
 */
export function createInboxApp(options: InboxAppOptions): Express {
  const { logger, inbox, redis } = options;
  const { app, finish } = createHttpApp({ service: 'inapp-gateway', logger, registry: options.registry, bodyLimit: '16kb' });
  app.use(methodGuard(inboxOpenApiDocument.paths as Record<string, Record<string, unknown>>));
  app.get('/v1/openapi.json', (_req, res) => void res.json(inboxOpenApiDocument));
  const auth = [inboxAuth(options), rateLimit(redis, (err) => logger.warn({ err }, 'rate limit unavailable; request let through'))];

  const announce = (tenantId: string, userId: string, message: Record<string, unknown>) =>
    redis.publish(inboxChannel(tenantId, userId), JSON.stringify(message)).catch((err: unknown) => logger.warn({ err }, 'read receipt not published'));

  app.get('/v1/inbox/:userId', ...auth, async (req, res) => {
    const { tenantId, userId } = target(req, res);
    const query = parseInboxQuery(req.query as Record<string, unknown>);
    const docs = await inbox.list(tenantId, userId, query);
    const items = docs.map(toItem);
    res.json({ items, nextBefore: items.length === query.limit ? (items[items.length - 1]?.createdAt ?? null) : null });
  });

  app.get('/v1/inbox/:userId/unread-count', ...auth, async (req, res) => {
    const { tenantId, userId } = target(req, res);
    res.json({ unread: await inbox.unreadCount(tenantId, userId) });
  });

  app.post('/v1/inbox/:userId/read-all', ...auth, async (req, res) => {
    const { tenantId, userId } = target(req, res);
    const { updated, readAt } = await inbox.markAllRead(tenantId, userId);
    if (updated > 0) await announce(tenantId, userId, { type: 'read-all', readAt: readAt.toISOString() });
    res.json({ updated });
  });

  app.post('/v1/inbox/:userId/:notificationId/read', ...auth, async (req, res) => {
    const { tenantId, userId } = target(req, res);
    const notificationId = parseId(req.params.notificationId, 'notificationId');
    const readAt = await inbox.markRead(tenantId, userId, notificationId);
    if (!readAt) throw new NotFoundError('inbox message', notificationId);
    await announce(tenantId, userId, { type: 'read', ids: [notificationId], readAt: readAt.toISOString() });
    res.json({ id: notificationId, readAt: readAt.toISOString() });
  });

  finish();
  return app;
}
