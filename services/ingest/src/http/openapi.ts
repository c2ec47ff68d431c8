import { ChannelValues, PriorityValues, PROVIDERS, NotificationStatusValues } from '@notify/schemas';
import { z } from 'zod';
import { MAX_ID_LENGTH, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_RECIPIENTS } from '../domain/request-schema.js';
import { MAX_BATCH_REQUESTS } from './notification-routes.js';
import type {
  HeaderObject,
  OpenApiDocument,
  OperationObject,
  ResponseObject,
  SchemaObject,
} from './openapi-types.js';
import { preferencesBodySchema } from './schemas/preferences-schema.js';
import { deviceTokenBodySchema, recipientBodySchema } from './schemas/recipient-schema.js';
import { templateVersionBodySchema } from './schemas/template-schema.js';

type Schema = SchemaObject;
type Operation = OperationObject;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const parameterRef = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });

/** A management body's JSON Schema, generated from the zod schema that validates it. */
function fromZod(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest as Schema;
}

const instant: Schema = {
  oneOf: [
    { type: 'string', format: 'date-time', description: 'ISO-8601 with a time zone' },
    { type: 'integer', minimum: 0, description: 'epoch milliseconds' },
  ],
};
const identifier: Schema = { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH };
const isoTime: Schema = { type: 'string', format: 'date-time' };
const nullableString: Schema = { type: ['string', 'null'] };

const notificationRequest: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['recipients', 'templateId', 'category'],
  properties: {
    tenantId: { ...identifier, description: "Optional; when given it must be the API key's tenant." },
    idempotencyKey: {
      type: ['string', 'null'],
      maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
      description:
        'A repeat with the same key is answered with the first answer and not sent again. Generated when absent. The Idempotency-Key header takes precedence.',
    },
    recipients: {
      type: 'array',
      items: identifier,
      minItems: 1,
      maxItems: MAX_RECIPIENTS,
      uniqueItems: true,
      description: 'User ids; the request fans out into one notification per recipient.',
    },
    templateId: identifier,
    category: { ...identifier, description: "Preference category, e.g. 'billing'." },
    channels: {
      type: 'array',
      items: { type: 'string', enum: [...ChannelValues] },
      uniqueItems: true,
      default: [],
      description: 'Channels in order of preference; empty means every channel the template supports.',
    },
    priority: { type: 'string', enum: [...PriorityValues], default: 'NORMAL' },
    data: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      default: {},
      description: 'Template variables; numbers and booleans are turned into strings.',
    },
    scheduledFor: { ...instant, description: 'Do not deliver before this instant.' },
    expiresAt: {
      ...instant,
      description: 'Do not deliver after this instant; must be in the future and after scheduledFor.',
    },
    requestedAt: {
      ...instant,
      description: 'When the request was made upstream; defaults to now. End-to-end latency starts here.',
    },
  },
};

const fieldIssue: Schema = {
  type: 'object',
  required: ['path', 'message'],
  properties: {
    path: { type: 'string', description: "e.g. 'recipients[2]'; empty for the body itself" },
    message: { type: 'string' },
  },
};

const errorBody: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description:
            'VALIDATION, NOT_FOUND, UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, PAYLOAD_TOO_LARGE, IDEMPOTENCY_KEY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED, DEPENDENCY_UNAVAILABLE, INTERNAL',
        },
        message: { type: 'string' },
        fields: { type: 'array', items: ref('FieldIssue'), description: 'Every failing field (400, 422).' },
        missing: {
          type: 'object',
          description: 'What a notification request names that does not exist (404).',
          properties: {
            tenantId: { type: 'string' },
            templateId: { type: 'string' },
            userIds: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
};

const accepted: Schema = {
  type: 'object',
  required: ['status', 'notificationIds', 'idempotencyKey', 'acceptedAt'],
  properties: {
    status: { type: 'string', const: 'ACCEPTED' },
    notificationIds: {
      type: 'array',
      items: { type: 'string', format: 'uuid' },
      description:
        'One per recipient, in request order; deterministic for a tenant, idempotency key and recipient.',
    },
    idempotencyKey: { type: 'string' },
    acceptedAt: isoTime,
  },
};

const batchResult: Schema = {
  type: 'object',
  required: ['index', 'status'],
  description: 'One item: 202 with notificationIds, or the status and error the item would have got alone.',
  properties: {
    index: { type: 'integer', minimum: 0 },
    status: { type: 'integer', enum: [202, 400, 404, 409, 422, 500, 503] },
    notificationIds: { type: 'array', items: { type: 'string' } },
    idempotencyKey: { type: 'string' },
    acceptedAt: isoTime,
    error: (errorBody.properties as Record<string, Schema>).error as Schema,
  },
};

const timelineEntry: Schema = {
  type: 'object',
  required: ['status', 'stage', 'occurredAt'],
  properties: {
    status: { type: 'string', enum: [...NotificationStatusValues] },
    stage: { type: 'string' },
    channel: { type: ['string', 'null'], enum: [...ChannelValues, null] },
    provider: nullableString,
    reason: nullableString,
    providerMessageId: nullableString,
    occurredAt: isoTime,
    attributes: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const notificationStatus: Schema = {
  type: 'object',
  required: ['notificationId', 'userId', 'status', 'statusAt', 'timeline'],
  properties: {
    notificationId: { type: 'string' },
    userId: { type: 'string' },
    status: { type: 'string', enum: [...NotificationStatusValues], description: 'The latest status.' },
    statusAt: isoTime,
    updatedAt: isoTime,
    timeline: { type: 'array', items: ref('TimelineEntry'), description: 'Oldest first.' },
  },
};

const recipient: Schema = {
  type: 'object',
  required: ['userId', 'locale', 'timezone', 'deviceTokens', 'updatedAt'],
  properties: {
    userId: { type: 'string' },
    email: nullableString,
    phone: nullableString,
    webhookUrl: nullableString,
    locale: { type: 'string' },
    timezone: { type: 'string' },
    deviceTokens: { type: 'array', items: { type: 'string' } },
    updatedAt: isoTime,
  },
};

const preferences: Schema = {
  type: 'object',
  required: ['userId', 'globalUnsubscribe', 'categories'],
  properties: {
    userId: { type: 'string' },
    globalUnsubscribe: { type: 'boolean' },
    categories: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: { type: 'boolean' } },
      description: 'category → channel → opted in; what is absent is opted in.',
    },
    quietHours: {
      type: ['object', 'null'],
      properties: { start: { type: 'string' }, end: { type: 'string' } },
    },
    updatedAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'null while the recipient has the defaults.',
    },
  },
};

const templateVariant: Schema = {
  type: 'object',
  required: ['channel', 'locale', 'version', 'body', 'createdAt'],
  properties: {
    channel: { type: 'string', enum: [...ChannelValues] },
    locale: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
    subject: nullableString,
    body: { type: 'string' },
    html: nullableString,
    createdAt: isoTime,
  },
};

const controls: Schema = {
  type: 'object',
  required: ['disabledProviders', 'disabledChannels', 'rollout'],
  properties: {
    disabledProviders: { type: 'array', items: { type: 'string', enum: [...PROVIDERS] } },
    disabledChannels: { type: 'array', items: { type: 'string', enum: [...ChannelValues] } },
    rollout: {
      type: 'object',
      additionalProperties: { type: 'integer', minimum: 0, maximum: 100 },
      description: 'Percent of recipients a provider takes, by provider; absent means 100.',
    },
  },
};

const controlsChange: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    providers: {
      type: 'object',
      propertyNames: { enum: [...PROVIDERS] },
      additionalProperties: {
        type: 'object',
        properties: {
          enabled: {
            type: 'boolean',
            description: 'false is a kill switch: messages wait in Kafka until re-enabled.',
          },
          rolloutPercent: { type: 'integer', minimum: 0, maximum: 100 },
        },
      },
    },
    channels: {
      type: 'object',
      propertyNames: { enum: [...ChannelValues] },
      additionalProperties: {
        type: 'object',
        required: ['enabled'],
        properties: { enabled: { type: 'boolean' } },
      },
    },
  },
};

const errorResponse = (description: string, headers?: Record<string, HeaderObject>): ResponseObject => ({
  description,
  content: json(ref('Error')),
  ...(headers ? { headers } : {}),
});

const standardErrors = {
  '401': responseRef('Unauthorized'),
  '413': responseRef('PayloadTooLarge'),
  '429': responseRef('RateLimited'),
  '503': responseRef('ServiceUnavailable'),
};

const authed = (operation: Operation): Operation => ({
  ...operation,
  responses: { ...operation.responses, ...standardErrors },
});

/** The REST API, as served at GET /v1/openapi.json. */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'notify ingest API',
    version: '1.0.0',
    description:
      'Accepts notification requests (each fanned out into one notification per recipient), answers their status, and manages recipients, preferences, templates and runtime controls. ' +
      'Every endpoint but this document needs an API key (Authorization: Bearer <key> or X-API-Key) and is scoped to its tenant and rate-limited per key. ' +
      'A W3C traceparent header is carried into the produced records.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
  tags: [
    { name: 'notifications' },
    { name: 'recipients' },
    { name: 'templates' },
    { name: 'admin', description: 'Needs a key with the admin scope.' },
    { name: 'meta' },
  ],
  paths: {
    '/v1/notifications': {
      post: authed({
        tags: ['notifications'],
        operationId: 'sendNotification',
        summary: 'Accept one notification request',
        parameters: [parameterRef('IdempotencyKey'), parameterRef('Traceparent')],
        requestBody: { required: true, content: json(ref('NotificationRequest')) },
        responses: {
          '202': {
            description:
              'Accepted (or a repeat of an accepted request, answered with the first answer and Idempotent-Replayed: true).',
            headers: {
              'Idempotent-Replayed': {
                schema: { type: 'string', const: 'true' },
                description: 'Set on a repeat.',
              },
            },
            content: json(ref('Accepted')),
          },
          '400': responseRef('BadRequest'),
          '404': errorResponse(
            'The tenant, template or recipients named do not exist; error.missing lists them.',
          ),
          '409': errorResponse(
            'The same idempotency key is being accepted right now; retry after Retry-After seconds.',
            {
              'Retry-After': { schema: { type: 'integer' } },
            },
          ),
          '422': errorResponse(
            'The idempotency key was already used for a different request (IDEMPOTENCY_KEY_REUSED).',
          ),
        },
      }),
    },
    '/v1/notifications/batch': {
      post: authed({
        tags: ['notifications'],
        operationId: 'sendNotificationBatch',
        summary: `Accept up to ${MAX_BATCH_REQUESTS} notification requests, each on its own`,
        description:
          "Each item is accepted as POST /v1/notifications would accept it, with its own idempotencyKey field; the answer lists every item's outcome.",
        parameters: [parameterRef('Traceparent')],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            additionalProperties: false,
            required: ['requests'],
            properties: {
              requests: {
                type: 'array',
                items: ref('NotificationRequest'),
                minItems: 1,
                maxItems: MAX_BATCH_REQUESTS,
              },
            },
          }),
        },
        responses: {
          '200': {
            description: 'One result per item, in order (multi-status).',
            content: json({
              type: 'object',
              required: ['results'],
              properties: { results: { type: 'array', items: ref('BatchResult') } },
            }),
          },
          '400': responseRef('BadRequest'),
        },
      }),
    },
    '/v1/notifications/{notificationId}': {
      get: authed({
        tags: ['notifications'],
        operationId: 'getNotification',
        summary: 'Current status and full timeline of a notification',
        description:
          'A notification accepted over REST for a few recipients (10 by default) shows at once; others appear when the status tracker has recorded their first event, usually within a second.',
        parameters: [parameterRef('NotificationId')],
        responses: {
          '200': { description: 'The notification.', content: json(ref('NotificationStatus')) },
          '404': responseRef('NotFound'),
        },
      }),
    },
    '/v1/recipients/{userId}': {
      put: authed({
        tags: ['recipients'],
        operationId: 'putRecipient',
        summary: 'Create or replace a recipient profile',
        parameters: [parameterRef('UserId')],
        requestBody: { required: true, content: json(ref('RecipientInput')) },
        responses: {
          '200': { description: 'The stored profile.', content: json(ref('Recipient')) },
          '400': responseRef('BadRequest'),
        },
      }),
      get: authed({
        tags: ['recipients'],
        operationId: 'getRecipient',
        summary: 'A recipient profile',
        parameters: [parameterRef('UserId')],
        responses: {
          '200': { description: 'The profile.', content: json(ref('Recipient')) },
          '404': responseRef('NotFound'),
        },
      }),
    },
    '/v1/recipients/{userId}/device-tokens': {
      post: authed({
        tags: ['recipients'],
        operationId: 'addDeviceToken',
        summary: 'Add a push device token (once)',
        parameters: [parameterRef('UserId')],
        requestBody: { required: true, content: json(ref('DeviceTokenInput')) },
        responses: {
          '200': { description: 'The updated profile.', content: json(ref('Recipient')) },
          '400': responseRef('BadRequest'),
          '404': responseRef('NotFound'),
        },
      }),
    },
    '/v1/recipients/{userId}/device-tokens/{token}': {
      delete: authed({
        tags: ['recipients'],
        operationId: 'removeDeviceToken',
        summary: 'Remove a push device token',
        parameters: [parameterRef('UserId'), parameterRef('DeviceToken')],
        responses: { '204': { description: 'Removed (or was not there).' }, '404': responseRef('NotFound') },
      }),
    },
    '/v1/recipients/{userId}/preferences': {
      put: authed({
        tags: ['recipients'],
        operationId: 'putPreferences',
        summary: "Replace a recipient's preferences",
        parameters: [parameterRef('UserId')],
        requestBody: { required: true, content: json(ref('PreferencesInput')) },
        responses: {
          '200': { description: 'The stored preferences.', content: json(ref('Preferences')) },
          '400': responseRef('BadRequest'),
          '404': responseRef('NotFound'),
        },
      }),
      get: authed({
        tags: ['recipients'],
        operationId: 'getPreferences',
        summary: "A recipient's preferences (the defaults when never set)",
        parameters: [parameterRef('UserId')],
        responses: {
          '200': { description: 'The preferences.', content: json(ref('Preferences')) },
          '404': responseRef('NotFound'),
        },
      }),
    },
    '/v1/templates/{templateId}/versions': {
      post: authed({
        tags: ['templates'],
        operationId: 'addTemplateVersion',
        summary: 'Add a new version of a template for one channel and locale',
        parameters: [parameterRef('TemplateId')],
        requestBody: { required: true, content: json(ref('TemplateVersionInput')) },
        responses: {
          '201': {
            description: 'The new version (one more than the latest of its channel and locale).',
            headers: { Location: { schema: { type: 'string' } } },
            content: json({
              allOf: [
                { type: 'object', properties: { templateId: { type: 'string' } } },
                ref('TemplateVariant'),
              ],
            }),
          },
          '400': responseRef('BadRequest'),
        },
      }),
    },
    '/v1/templates/{templateId}': {
      get: authed({
        tags: ['templates'],
        operationId: 'getTemplate',
        summary: 'The latest version of every channel and locale of a template',
        parameters: [parameterRef('TemplateId')],
        responses: {
          '200': {
            description: 'The template.',
            content: json({
              type: 'object',
              required: ['templateId', 'variants'],
              properties: {
                templateId: { type: 'string' },
                variants: { type: 'array', items: ref('TemplateVariant') },
              },
            }),
          },
          '404': responseRef('NotFound'),
        },
      }),
    },
    '/v1/admin/controls': {
      get: authed({
        tags: ['admin'],
        operationId: 'getControls',
        summary: 'Runtime controls: kill switches and rollout',
        responses: {
          '200': { description: 'The controls in force.', content: json(ref('Controls')) },
          '403': responseRef('Forbidden'),
        },
      }),
      patch: authed({
        tags: ['admin'],
        operationId: 'patchControls',
        summary: 'Change runtime controls for every replica (audited)',
        requestBody: { required: true, content: json(ref('ControlsChange')) },
        responses: {
          '200': { description: 'The controls in force after the change.', content: json(ref('Controls')) },
          '400': responseRef('BadRequest'),
          '403': responseRef('Forbidden'),
        },
      }),
    },
    '/v1/openapi.json': {
      get: {
        tags: ['meta'],
        operationId: 'getOpenApi',
        summary: 'This document',
        security: [],
        responses: {
          '200': {
            description: 'OpenAPI 3.1 document.',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'nk_<id>_<secret>' },
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    },
    parameters: {
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
        description: "The request's idempotency key; takes precedence over idempotencyKey in the body.",
      },
      Traceparent: {
        name: 'traceparent',
        in: 'header',
        required: false,
        schema: { type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
        description: 'W3C trace context; the produced records continue this trace.',
      },
      NotificationId: { name: 'notificationId', in: 'path', required: true, schema: identifier },
      UserId: { name: 'userId', in: 'path', required: true, schema: identifier },
      TemplateId: { name: 'templateId', in: 'path', required: true, schema: identifier },
      DeviceToken: { name: 'token', in: 'path', required: true, schema: { type: 'string', minLength: 1 } },
    },
    responses: {
      BadRequest: errorResponse('Invalid input; error.fields names every failing field.'),
      Unauthorized: errorResponse('Missing, invalid or revoked API key.', {
        'WWW-Authenticate': { schema: { type: 'string' } },
      }),
      Forbidden: errorResponse('The API key lacks the needed scope.'),
      NotFound: errorResponse("Not found in the caller's tenant."),
      PayloadTooLarge: errorResponse('The body is larger than the limit (256 kB by default).'),
      RateLimited: errorResponse("Over the API key's rate limit.", {
        'Retry-After': { schema: { type: 'integer' }, description: 'Seconds.' },
        'RateLimit-Limit': { schema: { type: 'integer' } },
        'RateLimit-Remaining': { schema: { type: 'integer' } },
      }),
      ServiceUnavailable: errorResponse('A store or Kafka is unreachable; retry later.'),
    },
    schemas: {
      Error: errorBody,
      FieldIssue: fieldIssue,
      NotificationRequest: notificationRequest,
      Accepted: accepted,
      BatchResult: batchResult,
      NotificationStatus: notificationStatus,
      TimelineEntry: timelineEntry,
      RecipientInput: fromZod(recipientBodySchema),
      Recipient: recipient,
      DeviceTokenInput: fromZod(deviceTokenBodySchema),
      PreferencesInput: fromZod(preferencesBodySchema),
      Preferences: preferences,
      TemplateVersionInput: fromZod(templateVersionBodySchema),
      TemplateVariant: templateVariant,
      Controls: controls,
      ControlsChange: controlsChange,
    },
  },
};
