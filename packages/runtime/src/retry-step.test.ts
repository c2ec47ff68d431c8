import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError, ErrorCodes } from './errors.js';
import { retryStep } from './retry-step.js';

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

describe('retryStep', () => {
  it('repeats a step that fails for a passing reason until it succeeds', async () => {
    let calls = 0;
    const result = await retryStep(
      'topics',
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('This server does not host this topic-partition'), { retriable: true });
        return 'ok';
      },
      undefined,
      fast,
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('throws a non-retriable failure at once', async () => {
    let calls = 0;
    const bad = new PermanentError(ErrorCodes.CONFIG, 'schema incompatible');
    await expect(
      retryStep(
        'schemas',
        async () => {
          calls++;
          throw bad;
        },
        undefined,
        fast,
      ),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it('gives up after the bounded number of attempts with the last failure', async () => {
    let calls = 0;
    await expect(
      retryStep(
        'schemas',
        async () => {
          calls++;
          throw new TransientError(ErrorCodes.DEPENDENCY_UNAVAILABLE, `attempt ${calls}`);
        },
        undefined,
        { ...fast, attempts: 4 },
      ),
    ).rejects.toThrow('attempt 4');
    expect(calls).toBe(4);
  });
});
