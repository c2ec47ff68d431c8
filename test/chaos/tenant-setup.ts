// Creates the run's tenant, API key, recipients, preferences and templates straight in MongoDB (through
// the stores' repositories), before any fault is injected. A fresh tenant has nothing cached in Redis.
import {
  ApiKeyRepository,
  PreferencesRepository,
  RecipientRepository,
  TemplateRepository,
  TenantRepository,
} from '@notify/stores';
import type { Db } from 'mongodb';
import { mapLimit } from './map-limit.js';
import { OPTED_OUT_PREFERENCES, TEMPLATES, type Workload } from './workload.js';

export interface TenantSetup {
  apiKey: string;
  /** FCM token of each recipient, by user id. */
  tokens: Map<string, string>;
  /** Webhook URL of each recipient, by user id. */
  webhookUrls: Map<string, string>;
}

export interface TenantSetupOptions {
  db: Db;
  workload: Workload;
  /** One FCM-shaped token per recipient, in recipient order. */
  deviceTokens: string[];
  webhookBaseUrl: string;
}

const WRITE_CONCURRENCY = 16;

export async function setUpTenant({ db, workload, deviceTokens, webhookBaseUrl }: TenantSetupOptions): Promise<TenantSetup> {
  const tenantId = workload.tenantId;
  await new TenantRepository(db).upsert({ tenantId, name: 'Chaos run', defaultLocale: 'en' });
  const { key } = await new ApiKeyRepository(db).create({ tenantId, rateLimitPerMinute: 10_000_000 });

  const templates = new TemplateRepository(db);
  for (const t of TEMPLATES) {
    await templates.put({
      tenantId,
      templateId: t.templateId,
      channel: t.channel,
      locale: 'en',
      body: t.body,
      ...(t.subject ? { subject: t.subject } : {}),
      ...(t.html ? { html: t.html } : {}),
    });
  }

  const recipients = new RecipientRepository(db);
  const preferences = new PreferencesRepository(db);
  const tokens = new Map<string, string>();
  const webhookUrls = new Map<string, string>();
  await mapLimit(workload.recipients, WRITE_CONCURRENCY, async (r) => {
    const token = deviceTokens[r.tokenIndex]!;
    const webhookUrl = `${webhookBaseUrl}/hooks/${r.userId}`;
    tokens.set(r.userId, token);
    webhookUrls.set(r.userId, webhookUrl);
    await recipients.upsert({
      tenantId,
      userId: r.userId,
      email: r.email,
      phone: r.phone,
      webhookUrl,
      deviceTokens: [token],
      locale: 'en',
      timezone: 'UTC',
    });
    if (r.cohort === 'optedOut') {
      await preferences.upsert({ tenantId, userId: r.userId, globalUnsubscribe: false, categories: OPTED_OUT_PREFERENCES });
    }
  });
  return { apiKey: key, tokens, webhookUrls };
}
