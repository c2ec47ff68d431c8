import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { callbackOpenApiDocument, SENDGRID_EVENTS_PATH, SES_EVENTS_PATH, TWILIO_STATUS_PATH } from './openapi.js';

describe('callback OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(callbackOpenApiDocument({ sendgrid: true, twilio: true, ses: true })) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists only the callbacks that are configured', () => {
    expect(Object.keys(callbackOpenApiDocument({ sendgrid: false, twilio: true, ses: false }).paths)).toEqual([TWILIO_STATUS_PATH, '/v1/openapi.json']);
    const all = callbackOpenApiDocument({ sendgrid: true, twilio: true, ses: true });
    expect(Object.keys(all.paths)).toEqual([SENDGRID_EVENTS_PATH, TWILIO_STATUS_PATH, SES_EVENTS_PATH, '/v1/openapi.json']);
    const twilio = all.paths[TWILIO_STATUS_PATH]?.post?.requestBody?.content['application/x-www-form-urlencoded']?.schema;
    expect(twilio?.required).toEqual(['MessageSid', 'MessageStatus']);
  });

  it('documents the SES route as SNS posts it: text/plain JSON, signed in the body', () => {
    const ses = callbackOpenApiDocument({ sendgrid: false, twilio: false, ses: true }).paths[SES_EVENTS_PATH]?.post;
    expect(Object.keys(ses?.requestBody?.content ?? {})).toEqual(['text/plain', 'application/json']);
    expect(ses?.requestBody?.content['text/plain']?.schema?.required).toEqual(
      expect.arrayContaining(['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL']),
    );
    expect(Object.keys(ses?.responses ?? {})).toEqual(expect.arrayContaining(['200', '202', '400', '403']));
    expect(ses?.responses).not.toHaveProperty('401');
  });
});
