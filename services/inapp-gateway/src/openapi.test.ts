import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { inboxOpenApiDocument } from './openapi.js';

describe('inbox OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(inboxOpenApiDocument) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('takes its parameters from the zod schemas that validate them', () => {
    const list = inboxOpenApiDocument.paths['/v1/inbox/{userId}']?.get;
    const limit = list?.parameters?.find((p) => 'name' in p && p.name === 'limit');
    expect(limit && 'schema' in limit ? limit.schema.pattern : undefined).toBe('^(?:[1-9]|[1-9][0-9]|100)$');
    const userId = list?.parameters?.find((p) => 'name' in p && p.name === 'userId');
    expect(userId && 'schema' in userId ? userId.schema.maxLength : undefined).toBe(256);
  });
});
