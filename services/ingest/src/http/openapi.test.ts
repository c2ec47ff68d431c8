import { Validator } from '@seriousme/openapi-schema-validator';
import type { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../test-support.js';
import { adminRoutes } from './admin-routes.js';
import { notificationRoutes } from './notification-routes.js';
import { openApiDocument } from './openapi.js';
import { recipientRoutes } from './recipient-routes.js';
import { templateRoutes } from './template-routes.js';
import { topicRoutes } from './topic-routes.js';
import { userTokenRoutes } from './user-token-routes.js';

const unused = {} as never;

/** `METHOD /v1/path/{param}` for every route of a router mounted at /v1. */
function routesOf(router: Router): string[] {
  return router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) => {
      const route = layer.route as unknown as { path: string; methods: Record<string, boolean> };
      const path = `/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
      return Object.keys(route.methods).map((m) => `${m.toUpperCase()} ${path}`);
    });
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(openApiDocument) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route the API serves, and nothing else', () => {
    const served = [
      ...routesOf(
        notificationRoutes({
          intake: unused,
          notifications: unused,
          logger: silentLogger,
        }),
      ),
      ...routesOf(recipientRoutes({ recipients: unused, preferences: unused })),
      ...routesOf(templateRoutes({ templates: unused })),
      ...routesOf(topicRoutes({ topicSubscriptions: unused })),
      ...routesOf(adminRoutes({ controls: unused, audit: unused, logger: silentLogger })),
      ...routesOf(userTokenRoutes({ userTokenKeys: unused })),
      'GET /v1/openapi.json',
    ];
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(served.sort());
  });

  it('generates the request bodies from the zod schemas that validate them', () => {
    const schemas = openApiDocument.components.schemas;
    expect(schemas.RecipientInput?.properties?.email?.anyOf?.[0]?.pattern).toMatch(/@/);
    expect(schemas.TemplateVersionInput?.oneOf?.map((v) => v.required)).toEqual([
      ['channel', 'locale', 'body'],
      ['channel', 'locale', 'body'],
    ]);
    expect(schemas.NotificationRequest?.properties?.recipients?.uniqueItems).toBe(true);
    expect(schemas.NotificationRequest?.additionalProperties).toBe(false);
    expect(schemas.NotificationRequest?.anyOf?.map((s) => s.required)).toEqual([['recipients'], ['topics']]);
    expect(schemas.PreferencesInput?.additionalProperties).toBe(false);
    expect(schemas.RecipientInput?.properties?.devices?.maxItems).toBe(20);
    expect(schemas.RecipientInput?.properties?.devices?.items?.additionalProperties).toBe(false);
    expect(schemas.DeviceTokenInput?.properties?.platform?.enum).toEqual(['ios', 'android', 'web']);
    expect(schemas.DeviceTokenInput?.required).toEqual(['token']);
    expect(schemas.SubscribersInput?.properties?.userIds?.maxItems).toBe(10_000);
    expect(schemas.SubscribersInput?.properties?.userIds?.items?.maxLength).toBe(128);
    expect(schemas.Accepted?.properties?.topics?.type).toBe('array');
  });
});
