import { caller } from '@notify/http';
import { NotFoundError } from '@notify/runtime';
import type { DevicePlatform } from '@notify/schemas';
import type { PreferencesDoc, PreferencesInput, RecipientDoc, RecipientInput } from '@notify/stores';
import { Router } from 'express';
import { parseInput } from './parse-input.js';
import { identifierSchema } from './schemas/identifiers.js';
import { preferencesBodySchema } from './schemas/preferences-schema.js';
import { deviceTokenBodySchema, deviceTokenSchema, recipientBodySchema } from './schemas/recipient-schema.js';

export interface RecipientStore {
  get(tenantId: string, userId: string): Promise<RecipientDoc | null>;
  upsert(input: RecipientInput): Promise<void>;
  addDeviceToken(
    tenantId: string,
    userId: string,
    token: string,
    platform?: DevicePlatform,
  ): Promise<boolean>;
  removeDeviceToken(tenantId: string, userId: string, token: string): Promise<boolean>;
}

export interface PreferencesStore {
  get(tenantId: string, userId: string): Promise<PreferencesDoc | null>;
  upsert(input: PreferencesInput): Promise<void>;
}

export interface RecipientRoutesDependencies {
  recipients: RecipientStore;
  preferences: PreferencesStore;
}

function recipientBody(doc: RecipientDoc) {
  return {
    userId: doc.userId,
    email: doc.email ?? null,
    phone: doc.phone ?? null,
    webhookUrl: doc.webhookUrl ?? null,
    locale: doc.locale,
    timezone: doc.timezone,
    deviceTokens: doc.deviceTokens,
    devices: doc.devices.map(({ token, platform }) => ({ token, platform })),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

function preferencesBody(userId: string, doc: PreferencesDoc | null) {
  return {
    userId,
    globalUnsubscribe: doc?.globalUnsubscribe ?? false,
    categories: doc?.categories ?? {},
    quietHours: doc?.quietHours ?? null,
    updatedAt: doc ? doc.updatedAt.toISOString() : null,
  };
}

const userIdOf = (params: Record<string, string>) => parseInput(identifierSchema, params.userId, ['userId']);

/** Recipient profiles, their push tokens and their preferences, within the caller's tenant. */
export function recipientRoutes(deps: RecipientRoutesDependencies): Router {
  const router = Router();

  const existing = async (tenantId: string, userId: string): Promise<RecipientDoc> => {
    const doc = await deps.recipients.get(tenantId, userId);
    if (!doc) throw new NotFoundError('recipient', userId);
    return doc;
  };

  router.put('/recipients/:userId', async (req, res) => {
    const { tenantId } = caller(res);
    const userId = userIdOf(req.params);
    const body = parseInput(recipientBodySchema, req.body);
    const input: RecipientInput = { tenantId, userId, locale: body.locale, timezone: body.timezone };
    if (body.email != null) input.email = body.email;
    if (body.phone != null) input.phone = body.phone;
    if (body.webhookUrl != null) input.webhookUrl = body.webhookUrl;
    if (body.deviceTokens !== undefined) input.deviceTokens = body.deviceTokens;
    if (body.devices !== undefined) input.devices = body.devices;
    await deps.recipients.upsert(input);
    res.json(recipientBody(await existing(tenantId, userId)));
  });

  router.get('/recipients/:userId', async (req, res) => {
    const { tenantId } = caller(res);
    res.json(recipientBody(await existing(tenantId, userIdOf(req.params))));
  });

  router.post('/recipients/:userId/device-tokens', async (req, res) => {
    const { tenantId } = caller(res);
    const userId = userIdOf(req.params);
    const { token, platform } = parseInput(deviceTokenBodySchema, req.body);
    if (!(await deps.recipients.addDeviceToken(tenantId, userId, token, platform)))
      throw new NotFoundError('recipient', userId);
    res.json(recipientBody(await existing(tenantId, userId)));
  });

  router.delete('/recipients/:userId/device-tokens/:token', async (req, res) => {
    const { tenantId } = caller(res);
    const userId = userIdOf(req.params);
    const token = parseInput(deviceTokenSchema, req.params.token, ['token']);
    if (!(await deps.recipients.removeDeviceToken(tenantId, userId, token)))
      throw new NotFoundError('recipient', userId);
    res.status(204).end();
  });

  router.put('/recipients/:userId/preferences', async (req, res) => {
    const { tenantId } = caller(res);
    const userId = userIdOf(req.params);
    const body = parseInput(preferencesBodySchema, req.body);
    await existing(tenantId, userId);
    const input: PreferencesInput = {
      tenantId,
      userId,
      globalUnsubscribe: body.globalUnsubscribe,
      categories: body.categories,
    };
    if (body.quietHours) input.quietHours = body.quietHours;
    await deps.preferences.upsert(input);
    res.json(preferencesBody(userId, await deps.preferences.get(tenantId, userId)));
  });

  router.get('/recipients/:userId/preferences', async (req, res) => {
    const { tenantId } = caller(res);
    const userId = userIdOf(req.params);
    await existing(tenantId, userId);
    res.json(preferencesBody(userId, await deps.preferences.get(tenantId, userId)));
  });

  return router;
}
