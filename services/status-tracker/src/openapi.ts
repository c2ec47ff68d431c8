import { answerSchema, errorBodySchema, fromZod, type OpenApiDocument, type OperationObject, type PathItem, type ResponseObject } from '@notify/http';
import { z } from 'zod';
import { sendGridBatchSchema } from './domain/sendgrid-events.js';
import { snsMessageSchema, SNS_MESSAGE_TYPES } from './domain/sns-message.js';
import { twilioStatusSchema } from './domain/twilio-status.js';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from './sendgrid-signature.js';
import { SNS_MESSAGE_TYPE_HEADER } from './sns-signature.js';
import { TWILIO_SIGNATURE_HEADER } from './twilio-signature.js';

export const SENDGRID_EVENTS_PATH = '/v1/callbacks/sendgrid/events';
export const TWILIO_STATUS_PATH = '/v1/callbacks/twilio/status';
export const SES_EVENTS_PATH = '/v1/callbacks/ses';

const summarySchema = z.object({
  published: z.int().min(0).meta({ description: 'Status events published' }),
  ignored: z.int().min(0).meta({ description: 'Events that change no status (processed, queued, sent...)' }),
  unmatched: z.int().min(0).meta({ description: 'Events for messages no notification is known for; logged and acknowledged' }),
});

const error = (description: string): ResponseObject => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const header = (name: string, description: string) => ({ name, in: 'header' as const, required: true, description, schema: { type: 'string' as const } });

const confirmedSchema = z.object({ confirmed: z.literal(true), topicArn: z.string() });

/** `signedIn`: where the signature travels; a missing header is a 401, a missing body field a 400. */
const callback = (operation: Omit<OperationObject, 'responses'>, signedIn: 'header' | 'body' = 'header', extra: Record<string, ResponseObject> = {}): OperationObject => ({
  ...operation,
  security: [],
  responses: {
    ...extra,
    '202': { description: 'Recorded: one status event per status-changing event.', content: { 'application/json': { schema: answerSchema(summarySchema) } } },
    '400': error('The body is not what the provider posts; error.fields names each bad field.'),
    ...(signedIn === 'header'
      ? { '401': error('The signature header is missing.'), '403': error('The signature does not match the body.') }
      : { '403': error('The signature does not match, or the topic or the signing certificate host is not an allowed one.') }),
    '413': error('The body is larger than CALLBACK_BODY_LIMIT.'),
    '503': error('Kafka or a store is unreachable; the provider retries.'),
  },
});

/** The provider callback endpoints this status tracker serves (those configured), as an OpenAPI document. */
export function callbackOpenApiDocument(enabled: { sendgrid: boolean; twilio: boolean; ses: boolean }): OpenApiDocument {
  const paths: Record<string, PathItem> = {};
  if (enabled.sendgrid) {
    paths[SENDGRID_EVENTS_PATH] = {
      post: callback({
        operationId: 'sendGridEvents',
        summary:
          "SendGrid's Event Webhook (signed): delivered, bounce and dropped change a notification's status; open, click, spamreport and (group_)unsubscribe are recorded as engagement",
        parameters: [
          header(SENDGRID_SIGNATURE_HEADER, 'ECDSA signature of the timestamp and the body, base64'),
          header(SENDGRID_TIMESTAMP_HEADER, 'The timestamp the signature covers'),
        ],
        requestBody: { required: true, content: { 'application/json': { schema: fromZod(sendGridBatchSchema) } } },
      }),
    };
  }
  if (enabled.twilio) {
    paths[TWILIO_STATUS_PATH] = {
      post: callback({
        operationId: 'twilioStatus',
        summary: "Twilio's message status callback (signed): delivered, undelivered and failed change a notification's status",
        parameters: [header(TWILIO_SIGNATURE_HEADER, 'HMAC-SHA1 of the public URL and the form fields, base64')],
        requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: fromZod(twilioStatusSchema) } } },
      }),
    };
  }
  if (enabled.ses) {
    const body = { schema: fromZod(snsMessageSchema) };
    paths[SES_EVENTS_PATH] = {
      post: callback(
        {
          operationId: 'sesEvents',
          summary:
            'Amazon SES events through an SNS subscription (signed by SNS, from the configured topics only): Delivery, Bounce, Complaint, Open, Click, Reject and Rendering Failure; subscription confirmations are confirmed',
          parameters: [
            {
              name: SNS_MESSAGE_TYPE_HEADER,
              in: 'header',
              required: true,
              description: 'The message type, as in the body',
              schema: { type: 'string', enum: [...SNS_MESSAGE_TYPES] },
            },
          ],
          requestBody: { required: true, content: { 'text/plain': body, 'application/json': body } },
        },
        'body',
        { '200': { description: 'Subscription confirmed.', content: { 'application/json': { schema: answerSchema(confirmedSchema) } } } },
      ),
    };
  }
  paths['/v1/openapi.json'] = {
    get: { operationId: 'getOpenApi', summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'notify status-tracker callbacks',
      version: '1.0.0',
      description: 'Where providers report what became of the messages they accepted. Each endpoint verifies its provider\'s signature before reading the body.',
    },
    servers: [{ url: '/' }],
    paths,
    components: { securitySchemes: {}, parameters: {}, responses: {}, schemas: { Error: answerSchema(errorBodySchema) } },
  };
}
