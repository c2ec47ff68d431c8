import { describe, expect, it } from 'vitest';
import type { Notification } from '@notify/schemas';
import { enrich, type RecipientSource } from './enrich.js';
import type { TemplateVariant } from './resolve-content.js';

const notification: Notification = {
  notificationId: 'n1',
  tenantId: 'acme',
  userId: 'u1',
  templateId: 'welcome',
  category: 'onboarding',
  channels: ['EMAIL', 'SMS'],
  priority: 'NORMAL',
  data: { name: 'Ana' },
  scheduledFor: null,
  expiresAt: null,
  requestedAt: 1,
  acceptedAt: 2,
  idempotencyKey: 'k',
  source: 'REST',
  digest: null,
};

const recipient: RecipientSource = {
  email: 'ana@example.com',
  phone: '+5511999990000',
  deviceTokens: ['tok'],
  devices: [
    { token: 'apns-1', platform: 'ios' },
    { token: 'fcm-1', platform: 'android' },
    { token: 'web-1', platform: 'web' },
  ],
  locale: 'pt-BR',
  timezone: 'America/Sao_Paulo',
};

const templates: TemplateVariant[] = [
  { channel: 'EMAIL', locale: 'en', version: 2, subject: 'Welcome', body: 'Hi {{name}}', html: '<p>Hi</p>' },
  { channel: 'EMAIL', locale: 'pt', version: 1, subject: 'Bem-vinda', body: 'Olá {{name}}' },
  { channel: 'SMS', locale: 'es', version: 1, body: 'Hola' },
];

describe('enrich', () => {
  it('attaches the profile and the content resolved through the locale chain', () => {
    const result = enrich(notification, recipient, templates, 'es');
    expect(result).toEqual({
      kind: 'enriched',
      value: {
        notification,
        recipient: {
          email: 'ana@example.com',
          phone: '+5511999990000',
          deviceTokens: ['tok'],
          devices: [
            { token: 'apns-1', platform: 'IOS' },
            { token: 'fcm-1', platform: 'ANDROID' },
            { token: 'web-1', platform: 'WEB' },
          ],
          webhookUrl: null,
          locale: 'pt-BR',
          timezone: 'America/Sao_Paulo',
        },
        content: [
          {
            channel: 'EMAIL',
            locale: 'pt',
            version: 1,
            subject: 'Bem-vinda',
            body: 'Olá {{name}}',
            html: null,
          },
          { channel: 'SMS', locale: 'es', version: 1, subject: null, body: 'Hola', html: null },
        ],
      },
    });
  });

  it('leaves out requested channels without content when others have some', () => {
    const result = enrich(notification, recipient, templates, 'fr');
    if (result.kind !== 'enriched') throw new Error('expected enriched');
    expect(result.value.content.map((c) => c.channel)).toEqual(['EMAIL']);
  });

  it('uses every channel of the template when none was requested', () => {
    const result = enrich({ ...notification, channels: [] }, recipient, templates, 'es');
    if (result.kind !== 'enriched') throw new Error('expected enriched');
    expect(result.value.content.map((c) => c.channel)).toEqual(['EMAIL', 'SMS']);
  });

  it('fills a sparse recipient with defaults', () => {
    const result = enrich(notification, {}, templates, 'en-US');
    if (result.kind !== 'enriched') throw new Error('expected enriched');
    expect(result.value.recipient).toEqual({
      email: null,
      phone: null,
      deviceTokens: [],
      devices: [],
      webhookUrl: null,
      locale: 'en-US',
      timezone: 'UTC',
    });
    expect(result.value.content[0]).toMatchObject({ channel: 'EMAIL', locale: 'en' });
  });

  it('fails for an unknown recipient', () => {
    expect(enrich(notification, undefined, templates, 'en')).toEqual({
      kind: 'failed',
      reason: 'unknown_recipient',
      detail: 'recipient u1 of tenant acme not found',
    });
  });

  it('fails for an unknown template', () => {
    expect(enrich(notification, recipient, [], 'en')).toEqual({
      kind: 'failed',
      reason: 'unknown_template',
      detail: 'template welcome of tenant acme not found',
    });
  });

  it('fails when no requested channel has content in the chain', () => {
    expect(enrich({ ...notification, channels: ['PUSH', 'SMS'] }, recipient, templates, 'en')).toEqual({
      kind: 'failed',
      reason: 'no_content_for_requested_channels',
      detail: 'template welcome has no content for PUSH, SMS in locales pt-BR, pt, en',
    });
  });
});
