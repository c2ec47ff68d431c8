import { z } from 'zod';
import type { SchemaObject } from './openapi-types.js';

/**
 * A JSON Schema generated from a zod schema: a request's from the schema that validates it (its input
 * side), an answer's from the schema that describes it (its output side).
 */
export function fromZod(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      if (typeof jsonSchema.pattern === 'string') jsonSchema.pattern = asciiDigits(jsonSchema.pattern);
    },
  }) as Record<string, unknown>;
  return rest as SchemaObject;
}

/** An answer's JSON Schema. */
export const answerSchema = (schema: z.ZodType): SchemaObject => fromZod(schema, 'output');

/**
 * `\\d` spelled `[0-9]`: in JavaScript it is the ASCII digits, in other engines (Python's, which
 * generates and checks test data from these documents) every Unicode digit.
 */
export function asciiDigits(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      out += next === 'd' ? (inClass ? '0-9' : '[0-9]') : c + next;
      i++;
    } else {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      out += c;
    }
  }
  return out;
}

export const fieldIssueSchema = z.object({
  path: z.string().meta({ description: "e.g. 'recipients[2]'; empty for the body itself" }),
  message: z.string(),
});

/** The error body every service answers with (http-errors.ts). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({
      description:
        'VALIDATION, NOT_FOUND, UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, PAYLOAD_TOO_LARGE, METHOD_NOT_ALLOWED, DEPENDENCY_UNAVAILABLE, INTERNAL, and codes of the operation',
    }),
    message: z.string(),
    fields: z
      .array(fieldIssueSchema)
      .optional()
      .meta({ description: 'Every failing field (400, 403, 422).' }),
    missing: z
      .object({
        tenantId: z.string().optional(),
        templateId: z.string().optional(),
        userIds: z.array(z.string()).optional(),
      })
      .optional()
      .meta({ description: 'What a notification request names that does not exist (404).' }),
  }),
});
