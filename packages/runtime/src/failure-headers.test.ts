import { describe, expect, it } from 'vitest';
import { ErrorCodes, PermanentError, TransientError } from './errors.js';
import { failureHeaders } from './failure-headers.js';
import { Headers } from './headers.js';

describe('failureHeaders', () => {
  const origin = { topic: 'notify.accepted.v1', partition: 3, offset: '42', service: 'enrichment' };

  it('records the error and the source on the first failure', () => {
    const h = failureHeaders({ traceparent: 't' }, new PermanentError(ErrorCodes.VALIDATION, 'bad field'), origin, 1, 1000);
    expect(h).toMatchObject({
      traceparent: 't',
      [Headers.ERROR_CODE]: 'VALIDATION',
      [Headers.ERROR_CLASS]: 'PermanentError',
      [Headers.ERROR_MESSAGE]: 'bad field',
      [Headers.SOURCE_TOPIC]: 'notify.accepted.v1',
      [Headers.SOURCE_PARTITION]: '3',
      [Headers.SOURCE_OFFSET]: '42',
      [Headers.SERVICE]: 'enrichment',
      [Headers.ATTEMPT]: '1',
      [Headers.FIRST_FAILED_AT]: '1000',
    });
  });

  it('keeps the first source and time across retry tiers', () => {
    const first = failureHeaders({}, new TransientError(ErrorCodes.INTERNAL, 'x'), origin, 1, 1000);
    const again = failureHeaders(first, new TransientError(ErrorCodes.INTERNAL, 'y'), { ...origin, topic: 'notify.accepted.v1.retry.1', offset: '7' }, 2, 5000);
    expect(again[Headers.SOURCE_TOPIC]).toBe('notify.accepted.v1');
    expect(again[Headers.SOURCE_OFFSET]).toBe('42');
    expect(again[Headers.FIRST_FAILED_AT]).toBe('1000');
    expect(again[Headers.ATTEMPT]).toBe('2');
    expect(again[Headers.ERROR_MESSAGE]).toBe('y');
  });
});
