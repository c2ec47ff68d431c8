import {
  answerSchema,
  errorBodySchema,
  fromZod,
  type OpenApiDocument,
  type OperationObject,
  type ResponseObject,
  type SchemaObject,
} from '@notify/http';
import { z } from 'zod';
import { inboxIdSchema, inboxQueryParameters } from './domain/inbox-query.js';

const isoTime = z.iso.datetime();

export const inboxItemSchema = z.object({
  id: z.string().meta({ description: 'The notification id' }),
  title: z.string().nullable(),
  body: z.string(),
  category: z.string(),
  data: z.record(z.string(), z.string()),
  createdAt: isoTime,
  readAt: isoTime.nullable(),
});

const json = (schema: SchemaObject) => ({ 'application/json': { schema } });
const error = (description: string, headers?: ResponseObject['headers']): ResponseObject => ({
  description,
  content: json({ $ref: '#/components/schemas/Error' }),
  ...(headers ? { headers } : {}),
});

const userId = { name: 'userId', in: 'path' as const, required: true, schema: fromZod(inboxIdSchema) };

/** Every inbox operation: the caller's credential, the user in the path, and what they may answer. */
const inboxOperation = (operation: OperationObject): OperationObject => ({
  ...operation,
  parameters: [userId, ...(operation.parameters ?? [])],
  responses: {
    ...operation.responses,
    '400': error('A bad path or query parameter; error.fields names each.'),
    '401': error('Missing, invalid, revoked or expired credential; error.message says which.', {
      'WWW-Authenticate': { schema: { type: 'string' } },
    }),
    '403': error("A user token asking for another user's inbox."),
    '429': error('Over the rate limit of the API key, or of the user for tokens.', {
      'Retry-After': { schema: { type: 'integer' } },
    }),
    '503': error('A store is unreachable; retry later.'),
  },
});

/** The inbox REST API, as served at GET /v1/openapi.json. */
export const inboxOpenApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'notify in-app inbox API',
    version: '1.0.0',
    description:
      "A user's in-app inbox. Called from the user's browser or app with a user token issued by the ingest API (POST /v1/users/{userId}/tokens), which serves only its own user, or server to server with the tenant's API key. " +
      'The WebSocket at /v1/inapp/ws?token=<token> pushes new messages and read receipts.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
  paths: {
    '/v1/inbox/{userId}': {
      get: inboxOperation({
        operationId: 'listInbox',
        summary: "The user's messages, newest first",
        parameters: Object.entries(inboxQueryParameters).map(([name, schema]) => ({
          name,
          in: 'query' as const,
          required: false,
          schema: fromZod(schema),
        })),
        responses: {
          '200': {
            description: 'A page of messages; nextBefore pages on, null on the last page.',
            content: json(
              answerSchema(z.object({ items: z.array(inboxItemSchema), nextBefore: isoTime.nullable() })),
            ),
          },
        },
      }),
    },
    '/v1/inbox/{userId}/unread-count': {
      get: inboxOperation({
        operationId: 'countUnread',
        summary: 'How many messages are unread',
        responses: {
          '200': {
            description: 'The count.',
            content: json(answerSchema(z.object({ unread: z.int().min(0) }))),
          },
        },
      }),
    },
    '/v1/inbox/{userId}/read-all': {
      post: inboxOperation({
        operationId: 'markAllRead',
        summary: "Mark every message read; the user's other sockets are told",
        responses: {
          '200': {
            description: 'How many were unread.',
            content: json(answerSchema(z.object({ updated: z.int().min(0) }))),
          },
        },
      }),
    },
    '/v1/inbox/{userId}/{notificationId}/read': {
      post: inboxOperation({
        operationId: 'markRead',
        summary: "Mark one message read; the user's other sockets are told",
        parameters: [{ name: 'notificationId', in: 'path', required: true, schema: fromZod(inboxIdSchema) }],
        responses: {
          '200': {
            description: 'When it was read (the first time).',
            content: json(answerSchema(z.object({ id: z.string(), readAt: isoTime }))),
          },
          '404': error("The user's inbox holds no such message."),
        },
      }),
    },
    '/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }) } },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: "A user token (a JWT) or the tenant's API key",
      },
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    },
    parameters: {},
    responses: {},
    schemas: { Error: answerSchema(errorBodySchema), InboxItem: answerSchema(inboxItemSchema) },
  },
};
