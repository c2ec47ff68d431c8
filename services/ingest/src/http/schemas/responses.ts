import { ChannelValues, DEVICE_PLATFORMS, NotificationStatusValues, PROVIDERS } from '@notify/schemas';
import { errorBodySchema } from '@notify/http';
import { z } from 'zod';

/** What the API answers, as zod schemas: the OpenAPI document is generated from them. */

const isoTime = z.iso.datetime();

export const acceptedSchema = z.object({
  status: z.literal('ACCEPTED'),
  notificationIds: z
    .array(z.uuid())
    .meta({
      description:
        'One per recipient, in request order; deterministic for a tenant, idempotency key and recipient.',
    }),
  idempotencyKey: z.string(),
  acceptedAt: isoTime,
  topics: z
    .array(z.string())
    .optional()
    .meta({
      description:
        "The broadcast topics named, when any. Their subscribers' notifications are not listed; each id is derived from tenant, idempotency key and user like every notification id, and a user named twice gets one.",
    }),
});

export const batchResultSchema = z
  .object({
    index: z.int().min(0),
    status: z.union([
      z.literal(202),
      z.literal(400),
      z.literal(403),
      z.literal(404),
      z.literal(409),
      z.literal(422),
      z.literal(500),
      z.literal(503),
    ]),
    notificationIds: z.array(z.uuid()).optional(),
    idempotencyKey: z.string().optional(),
    acceptedAt: isoTime.optional(),
    topics: z.array(z.string()).optional(),
    error: errorBodySchema.shape.error.optional(),
  })
  .meta({
    description: 'One item: 202 with notificationIds, or the status and error the item would have got alone.',
  });

export const timelineEntrySchema = z.object({
  status: z.enum(NotificationStatusValues),
  stage: z.string(),
  channel: z.enum(ChannelValues).nullable(),
  provider: z.string().nullable(),
  reason: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  occurredAt: isoTime,
  attributes: z.record(z.string(), z.string()),
});

export const notificationStatusSchema = z.object({
  notificationId: z.string(),
  userId: z.string(),
  status: z.enum(NotificationStatusValues).meta({ description: 'The latest outcome. Engagement (OPENED, CLICKED, COMPLAINED, UNSUBSCRIBED) is in the timeline but never replaces it.' }),
  statusAt: isoTime,
  updatedAt: isoTime,
  timeline: z.array(timelineEntrySchema).meta({ description: 'Oldest first.' }),
});

export const recipientSchema = z.object({
  userId: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  webhookUrl: z.string().nullable(),
  locale: z.string(),
  timezone: z.string(),
  deviceTokens: z.array(z.string()),
  devices: z.array(z.object({ token: z.string(), platform: z.enum(DEVICE_PLATFORMS) })),
  updatedAt: isoTime,
});

export const preferencesSchema = z.object({
  userId: z.string(),
  globalUnsubscribe: z.boolean(),
  categories: z
    .record(z.string(), z.record(z.string(), z.boolean()))
    .meta({ description: 'category → channel → opted in; what is absent is opted in.' }),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  updatedAt: isoTime.nullable().meta({ description: 'null while the recipient has the defaults.' }),
});

export const templateVariantSchema = z.object({
  channel: z.enum(ChannelValues),
  locale: z.string(),
  version: z.int().min(1),
  subject: z.string().nullable(),
  body: z.string(),
  html: z.string().nullable(),
  createdAt: isoTime,
});

export const storedTemplateVersionSchema = templateVariantSchema.extend({ templateId: z.string() });

export const templateSchema = z.object({ templateId: z.string(), variants: z.array(templateVariantSchema) });

export const controlsSchema = z.object({
  disabledProviders: z.array(z.enum(PROVIDERS)),
  disabledChannels: z.array(z.enum(ChannelValues)),
  rollout: z
    .partialRecord(z.enum(PROVIDERS), z.int().min(0).max(100))
    .meta({ description: 'Percent of recipients a provider takes, by provider; absent means 100.' }),
});

export const batchAnswerSchema = z.object({ results: z.array(batchResultSchema) });

export const subscribersAddedSchema = z.object({
  topicId: z.string(),
  added: z.int().min(0).meta({ description: 'Users that were not subscribed before.' }),
});

export const subscribersRemovedSchema = z.object({
  topicId: z.string(),
  removed: z.int().min(0).meta({ description: 'Users that were subscribed.' }),
});

export const subscriberPageSchema = z.object({
  topicId: z.string(),
  subscribers: z.array(z.string()).meta({ description: 'In a stable order, each subscriber once across pages.' }),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: 'Pass as cursor for the next page; null after the last subscriber.' }),
});
