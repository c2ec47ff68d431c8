import type { FieldIssue } from '@notify/core';
import type { z } from 'zod';

/** zod issues as field issues with paths like `[0].event` or `MessageSid`. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join(''),
    message: issue.message,
  }));
}
