import { caller } from '@notify/http';
import {
  formatSubscriberCursor,
  parseSubscriberCursor,
  type SubscriberCursor,
  type SubscriberListing,
} from '@notify/stores';
import { Router } from 'express';
import { parseInput } from './parse-input.js';
import { identifierSchema } from './schemas/identifiers.js';
import { subscriberPageQuerySchema, subscribersBodySchema } from './schemas/topic-schema.js';

export interface TopicSubscriptionStore {
  subscribe(tenantId: string, topicId: string, userIds: readonly string[]): Promise<number>;
  unsubscribe(tenantId: string, topicId: string, userIds: readonly string[]): Promise<number>;
  list(
    tenantId: string,
    topicId: string,
    cursor: SubscriberCursor | null,
    limit: number,
  ): Promise<SubscriberListing>;
}

export interface TopicRoutesDependencies {
  topicSubscriptions: TopicSubscriptionStore;
}

const topicIdOf = (params: Record<string, string>) =>
  parseInput(identifierSchema, params.topicId, ['topicId']);

/** Subscribers of broadcast topics, within the caller's tenant; a request naming a topic notifies them all. */
export function topicRoutes(deps: TopicRoutesDependencies): Router {
  const router = Router();

  router.put('/topics/:topicId/subscribers', async (req, res) => {
    const { tenantId } = caller(res);
    const topicId = topicIdOf(req.params);
    const { userIds } = parseInput(subscribersBodySchema, req.body);
    res.json({ topicId, added: await deps.topicSubscriptions.subscribe(tenantId, topicId, userIds) });
  });

  router.delete('/topics/:topicId/subscribers', async (req, res) => {
    const { tenantId } = caller(res);
    const topicId = topicIdOf(req.params);
    const { userIds } = parseInput(subscribersBodySchema, req.body);
    res.json({ topicId, removed: await deps.topicSubscriptions.unsubscribe(tenantId, topicId, userIds) });
  });

  router.get('/topics/:topicId/subscribers', async (req, res) => {
    const { tenantId } = caller(res);
    const topicId = topicIdOf(req.params);
    const query = parseInput(subscriberPageQuerySchema, req.query);
    // The schema admits only cursors the store can read.
    const cursor = query.cursor === undefined ? null : parseSubscriberCursor(query.cursor);
    const page = await deps.topicSubscriptions.list(tenantId, topicId, cursor, query.limit);
    res.json({
      topicId,
      subscribers: page.subscribers,
      nextCursor: page.nextCursor ? formatSubscriberCursor(page.nextCursor) : null,
    });
  });

  return router;
}
