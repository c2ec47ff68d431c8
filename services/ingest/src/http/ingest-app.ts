import { apiKeyAuth, createHttpApp, methodGuard, rateLimit } from '@notify/http';
import type { Logger } from '@notify/runtime';
import type { ApiKeyRepository } from '@notify/stores';
import { Router, type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { adminRoutes, type AdminRoutesDependencies } from './admin-routes.js';
import { notificationRoutes, type NotificationRoutesDependencies } from './notification-routes.js';
import { openApiDocument } from './openapi.js';
import { recipientRoutes, type RecipientRoutesDependencies } from './recipient-routes.js';
import { templateRoutes, type TemplateStore } from './template-routes.js';
import { topicRoutes, type TopicRoutesDependencies } from './topic-routes.js';
import { userTokenRoutes, type UserTokenRoutesDependencies } from './user-token-routes.js';

export interface IngestAppDependencies
  extends
    Omit<NotificationRoutesDependencies, 'logger'>,
    RecipientRoutesDependencies,
    TopicRoutesDependencies,
    UserTokenRoutesDependencies,
    Omit<AdminRoutesDependencies, 'logger'> {
  templates: TemplateStore;
  apiKeys: Pick<ApiKeyRepository, 'verify'>;
  /** Holds the per-key rate-limit counters. */
  redis: Redis;
  logger: Logger;
  registry: Registry;
  /** e.g. '256kb'; larger bodies get 413. */
  bodyLimit: string;
  /** The topic subscriber routes' body limit (bulk calls), e.g. '2mb'. */
  subscribersBodyLimit?: string;
}

/** The public REST API: /v1/openapi.json open, everything else under API-key auth and a per-key rate limit. */
export function createIngestApp(deps: IngestAppDependencies): Express {
  const { app, finish } = createHttpApp({
    service: 'ingest',
    logger: deps.logger,
    registry: deps.registry,
    bodyLimit: deps.bodyLimit,
    ...(deps.subscribersBodyLimit ? { bodyLimitsByPath: [{ path: '/v1/topics', limit: deps.subscribersBodyLimit }] } : {}),
  });
  app.use(methodGuard(openApiDocument.paths as Record<string, Record<string, unknown>>));
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  const api = Router();
  api.use(
    apiKeyAuth(deps.apiKeys),
    rateLimit(deps.redis, (err) =>
      deps.logger.warn({ err }, 'rate limiter unavailable; letting requests through'),
    ),
  );
  api.use(notificationRoutes(deps));
  api.use(recipientRoutes(deps));
  api.use(templateRoutes(deps));
  api.use(topicRoutes(deps));
  api.use(userTokenRoutes(deps));
  api.use(adminRoutes(deps));
  app.use('/v1', api);

  finish();
  return app;
}
