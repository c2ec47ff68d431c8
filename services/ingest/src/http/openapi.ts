import { answerSchema, errorBodySchema, fieldIssueSchema, fromZod, type HeaderObject, type OpenApiDocument, type OperationObject, type ResponseObject, type SchemaObject } from '@notify/http';
import { MAX_IDEMPOTENCY_KEY_LENGTH, notificationRequestSchema } from '../domain/request-schema.js';
import { batchBodySchema, MAX_BATCH_REQUESTS } from './notification-routes.js';
import { controlsChangeSchema } from './schemas/controls-schema.js';
import { identifierSchema } from './schemas/identifiers.js';
import { preferencesBodySchema } from './schemas/preferences-schema.js';
import {
  acceptedSchema,
  batchAnswerSchema,
  batchResultSchema,
  controlsSchema,
  notificationStatusSchema,
  preferencesSchema,
  recipientSchema,
  storedTemplateVersionSchema,
  subscriberPageSchema,
  subscribersAddedSchema,
  subscribersRemovedSchema,
  templateSchema,
  templateVariantSchema,
  timelineEntrySchema,
} from './schemas/responses.js';
import { deviceTokenBodySchema, recipientBodySchema } from './schemas/recipient-schema.js';
import { templateVersionBodySchema } from './schemas/template-schema.js';
import {
  DEFAULT_SUBSCRIBER_PAGE,
  MAX_SUBSCRIBER_PAGE,
  MAX_SUBSCRIBERS_PER_CALL,
  subscriberCursorSchema,
  subscribersBodySchema,
} from './schemas/topic-schema.js';
import { userTokenBodySchema, userTokenResponseSchema } from './schemas/user-token-schema.js';

type Schema = SchemaObject;
type Operation = OperationObject;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const parameterRef = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });

const answer = answerSchema;

const identifier = fromZod(identifierSchema);
const PATH_PARAMETERS = new Set(['NotificationId', 'UserId', 'TemplateId', 'DeviceToken', 'TopicId'].map((name) => parameterRef(name).$ref));
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

/** An operation behind the API key: its own answers, the ones every such operation may give, and 400 for a bad path parameter. */
const authed = (operation: Operation): Operation => ({
  ...operation,
  responses: {
    ...(operation.parameters?.some((p) => '$ref' in p && PATH_PARAMETERS.has(p.$ref)) ? { '400': responseRef('BadRequest') } : {}),
    ...operation.responses,
    ...standardErrors,
  },
});

/** The REST API, as served at GET /v1/openapi.json. */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'notify ingest API',
    version: '1.0.0',
    description:
      'Accepts notification requests (each fanned out into one notification per recipient, and per subscriber of the broadcast topics it names), answers their status, and manages recipients, preferences, templates, topic subscriptions and runtime controls. ' +
      'Every endpoint but this document needs an API key (Authorization: Bearer <key> or X-API-Key) and is scoped to its tenant and rate-limited per key. ' +
      'A W3C traceparent header is carried into the produced records.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
  tags: [
    { name: 'notifications' },
    { name: 'recipients' },
    { name: 'templates' },
    { name: 'topics', description: 'Broadcast topics: a request naming a topic notifies every subscriber, each once.' },
    { name: 'users', description: 'Credentials for end users.' },
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
          '403': errorResponse("The body names a tenant other than the API key's; error.fields says so."),
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
        requestBody: { required: true, content: json(fromZod(batchBodySchema)) },
        responses: {
          '200': { description: 'One result per item, in order (multi-status).', content: json(answer(batchAnswerSchema)) },
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
        summary: 'Remove a push device token from deviceTokens and devices',
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
            content: json(answer(storedTemplateVersionSchema)),
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
            content: json(answer(templateSchema)),
          },
          '404': responseRef('NotFound'),
        },
      }),
    },
    '/v1/topics/{topicId}/subscribers': {
      put: authed({
        tags: ['topics'],
        operationId: 'subscribe',
        summary: `Subscribe up to ${MAX_SUBSCRIBERS_PER_CALL} users to a topic`,
        description: 'A topic exists while it has subscribers. Subscribers need not be recipients yet: the notification of a subscriber without a recipient profile ends FAILED (unknown_recipient) when it is sent.',
        parameters: [parameterRef('TopicId')],
        requestBody: { required: true, content: json(ref('SubscribersInput')) },
        responses: {
          '200': { description: 'How many users were added.', content: json(answer(subscribersAddedSchema)) },
          '400': responseRef('BadRequest'),
        },
      }),
      delete: authed({
        tags: ['topics'],
        operationId: 'unsubscribe',
        summary: `Unsubscribe up to ${MAX_SUBSCRIBERS_PER_CALL} users from a topic`,
        parameters: [parameterRef('TopicId')],
        requestBody: { required: true, content: json(ref('SubscribersInput')) },
        responses: {
          '200': { description: 'How many users were removed.', content: json(answer(subscribersRemovedSchema)) },
          '400': responseRef('BadRequest'),
        },
      }),
      get: authed({
        tags: ['topics'],
        operationId: 'listSubscribers',
        summary: "A page of a topic's subscribers",
        description: 'Follow nextCursor until it is null; a topic without subscribers has an empty first page.',
        parameters: [parameterRef('TopicId'), parameterRef('SubscriberCursor'), parameterRef('SubscriberLimit')],
        responses: {
          '200': { description: 'The page.', content: json(answer(subscriberPageSchema)) },
          '400': responseRef('BadRequest'),
        },
      }),
    },
    '/v1/users/{userId}/tokens': {
      post: authed({
        tags: ['users'],
        operationId: 'issueUserToken',
        summary: "Issue a short-lived token for one end user, for that user's browser or app",
        description:
          'Server to server, with an API key. The token (a JWT, HS256, signed with a secret of the tenant) lets its holder read and mark only that user\'s inbox and open only that user\'s WebSocket on the in-app gateway; it is never an API key.',
        parameters: [parameterRef('UserId')],
        requestBody: { required: false, content: json(ref('UserTokenInput')) },
        responses: {
          '201': {
            description: 'The token; not to be cached.',
            headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } },
            content: json(ref('UserToken')),
          },
          '400': responseRef('BadRequest'),
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
        schema: { type: 'string' },
        description: 'W3C trace context (00-<trace id>-<parent id>-<flags>); the produced records continue this trace. One that is malformed is ignored and a new trace begins, as the W3C recommendation asks.',
      },
      NotificationId: { name: 'notificationId', in: 'path', required: true, schema: identifier },
      UserId: { name: 'userId', in: 'path', required: true, schema: identifier },
      TemplateId: { name: 'templateId', in: 'path', required: true, schema: identifier },
      DeviceToken: { name: 'token', in: 'path', required: true, schema: { type: 'string', minLength: 1 } },
      TopicId: { name: 'topicId', in: 'path', required: true, schema: identifier },
      SubscriberCursor: {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: fromZod(subscriberCursorSchema),
        description: 'The nextCursor of the previous page; the first page when left out.',
      },
      SubscriberLimit: {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: MAX_SUBSCRIBER_PAGE, default: DEFAULT_SUBSCRIBER_PAGE },
        description: `Subscribers per page, ${DEFAULT_SUBSCRIBER_PAGE} when left out.`,
      },
    },
    responses: {
      BadRequest: errorResponse('Invalid input; error.fields names every failing field.'),
      Unauthorized: errorResponse('Missing, invalid or revoked API key.', {
        'WWW-Authenticate': { schema: { type: 'string' } },
      }),
      Forbidden: errorResponse('The API key lacks the needed scope.'),
      NotFound: errorResponse("Not found in the caller's tenant."),
      PayloadTooLarge: errorResponse('The body is larger than the limit (2 MB by default).'),
      RateLimited: errorResponse("Over the API key's rate limit.", {
        'Retry-After': { schema: { type: 'integer' }, description: 'Seconds.' },
        'RateLimit-Limit': { schema: { type: 'integer' } },
        'RateLimit-Remaining': { schema: { type: 'integer' } },
      }),
      ServiceUnavailable: errorResponse('A store or Kafka is unreachable; retry later.'),
    },
    schemas: {
      Error: answer(errorBodySchema),
      FieldIssue: answer(fieldIssueSchema),
      NotificationRequest: fromZod(notificationRequestSchema),
      Accepted: answer(acceptedSchema),
      BatchResult: answer(batchResultSchema),
      NotificationStatus: answer(notificationStatusSchema),
      TimelineEntry: answer(timelineEntrySchema),
      RecipientInput: fromZod(recipientBodySchema),
      Recipient: answer(recipientSchema),
      DeviceTokenInput: fromZod(deviceTokenBodySchema),
      PreferencesInput: fromZod(preferencesBodySchema),
      Preferences: answer(preferencesSchema),
      TemplateVersionInput: fromZod(templateVersionBodySchema),
      TemplateVariant: answer(templateVariantSchema),
      Controls: answer(controlsSchema),
      ControlsChange: fromZod(controlsChangeSchema),
      SubscribersInput: fromZod(subscribersBodySchema),
      UserTokenInput: fromZod(userTokenBodySchema),
      UserToken: answer(userTokenResponseSchema),
    },
  },
};
