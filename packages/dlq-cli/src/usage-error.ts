import { ValidationError } from '@notify/runtime';

/** A bad command-line value, named in the message the user sees. */
export function usageError(path: string, message: string): ValidationError {
  return new ValidationError([{ path, message }], `${path}: ${message}`);
}
