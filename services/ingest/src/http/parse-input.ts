import { ValidationError, type FieldIssue } from '@notify/runtime';
import type { z } from 'zod';
import { formatFieldPath } from '../domain/field-path.js';

function toFieldIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): FieldIssue[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: formatFieldPath([...prefix, ...issue.path, key]),
          message: 'is not a known field',
        }))
      : [{ path: formatFieldPath([...prefix, ...issue.path]), message: issue.message }],
  );
}

/**
 * Parses input with a zod schema; on failure throws a ValidationError naming every bad field
 * (answered 400). `prefix` names where the input sits, e.g. ['params'] for path parameters.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: readonly PropertyKey[] = [],
): z.output<S> {
  const result = schema.safeParse(input, {
    error: (issue) =>
      issue.input === undefined && issue.code === 'invalid_type' ? 'is required' : undefined,
  });
  if (result.success) return result.data;
  throw new ValidationError(toFieldIssues(result.error.issues, prefix));
}
