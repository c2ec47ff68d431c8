import { ProviderError, type ErrorCode } from '@notify/runtime';
import type { Channel, Dispatch } from '@notify/schemas';
import { expect } from 'vitest';

/** A rendered dispatch as the channel router would produce it; tests override what they need. */
export function dispatchFixture(overrides: Partial<Dispatch> & { channel: Channel; to: string }): Dispatch {
  const now = Date.now();
  return {
    notificationId: `n-${Math.random().toString(36).slice(2, 10)}`,
    tenantId: 'acme',
    userId: 'u-1',
    provider: 'sendgrid',
    fallbackProviders: [],
    subject: 'Your sign-in code',
    text: 'Your code is 123456.',
    html: '<p>Your code is <b>123456</b>.</p>',
    category: 'security',
    priority: 'HIGH',
    data: { code: '123456' },
    requestedAt: now - 1000,
    expiresAt: null,
    dispatchedAt: now,
    ...overrides,
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ExpectedFailure {
  code: ErrorCode;
  canRetry: boolean;
  status?: number;
  retryAfterMs?: number;
}

/** Awaits a send that must fail and checks the ProviderError it was classified as. */
export async function expectProviderError(
  call: Promise<unknown>,
  expected: ExpectedFailure,
): Promise<ProviderError> {
  const err = await call.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  const failure = err as ProviderError;
  expect({ code: failure.code, canRetry: failure.canRetry }).toEqual({
    code: expected.code,
    canRetry: expected.canRetry,
  });
  if (expected.status !== undefined) expect(failure.status).toBe(expected.status);
  if (expected.retryAfterMs !== undefined) expect(failure.retryAfterMs).toBe(expected.retryAfterMs);
  return failure;
}
