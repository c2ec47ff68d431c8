import { ValidationError } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseInput } from './parse-input.js';

const schema = z.strictObject({
  name: z.string(),
  tags: z.array(z.string()).optional(),
  nested: z.strictObject({ on: z.boolean() }).optional(),
});

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('parseInput', () => {
  it('returns the parsed value', () => {
    expect(parseInput(schema, { name: 'a' })).toEqual({ name: 'a' });
  });

  it('names every bad field, missing ones as required, unknown ones one by one', () => {
    expect(
      issuesOf(() => parseInput(schema, { tags: ['x', 3], nested: { on: 'yes', extra: 1 }, other: true })),
    ).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'tags[1]', message: expect.stringContaining('expected string') },
      { path: 'nested.on', message: expect.stringContaining('expected boolean') },
      { path: 'nested.extra', message: 'is not a known field' },
      { path: 'other', message: 'is not a known field' },
    ]);
  });

  it('prefixes paths', () => {
    expect(issuesOf(() => parseInput(z.string().min(2, 'too short'), 'a', ['params', 'userId']))).toEqual([
      { path: 'params.userId', message: 'too short' },
    ]);
  });
});
