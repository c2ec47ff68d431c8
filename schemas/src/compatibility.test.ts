import { describe, expect, it } from 'vitest';
import { checkAllSchemas, checkBackward } from './compatibility.js';

const v1 = {
  type: 'record',
  name: 'Thing',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'size', type: 'int' },
  ],
};

describe('checkBackward', () => {
  it('accepts a new optional field with a default', () => {
    const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] };
    expect(checkBackward(v1, v2)).toEqual({ compatible: true });
  });

  it('accepts removing a field (readers ignore it)', () => {
    const v2 = { ...v1, fields: [v1.fields[0]] };
    expect(checkBackward(v1, v2).compatible).toBe(true);
  });

  it('rejects a new required field without a default', () => {
    const v2 = { ...v1, fields: [...v1.fields, { name: 'owner', type: 'string' }] };
    const result = checkBackward(v1, v2);
    expect(result.compatible).toBe(false);
    expect(result.reason).toMatch(/owner/);
  });

  it('rejects an incompatible type change', () => {
    const v2 = { ...v1, fields: [v1.fields[0], { name: 'size', type: 'string' }] };
    expect(checkBackward(v1, v2).compatible).toBe(false);
  });

  it('rejects removing an enum symbol the old data may hold', () => {
    const e1 = { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] };
    const e2 = { type: 'enum', name: 'Color', symbols: ['RED'] };
    expect(checkBackward(e1, e2).compatible).toBe(false);
  });
});

describe('committed schemas', () => {
  it('are BACKWARD compatible with their previous committed version', () => {
    const broken = checkAllSchemas().filter((r) => !r.compatible);
    expect(broken, JSON.stringify(broken, null, 2)).toEqual([]);
  });
});
