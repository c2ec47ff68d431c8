import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { callbackOpenApiDocument, SENDGRID_EVENTS_PATH, TWILIO_STATUS_PATH } from './openapi.js';

describe('callback OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(callbackOpenApiDocument({ sendgrid: true, twilio: true })) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists only the callbacks that are configured', () => {
    expect(Object.keys(callbackOpenApiDocument({ sendgrid: false, twilio: true }).paths)).toEqual([TWILIO_STATUS_PATH, '/v1/openapi.json']);
    const both = callbackOpenApiDocument({ sendgrid: true, twilio: true });
    expect(Object.keys(both.paths)).toEqual([SENDGRID_EVENTS_PATH, TWILIO_STATUS_PATH, '/v1/openapi.json']);
    const twilio = both.paths[TWILIO_STATUS_PATH]?.post?.requestBody?.content['application/x-www-form-urlencoded']?.schema;
    expect(twilio?.required).toEqual(['MessageSid', 'MessageStatus']);
  });
});
