import { createLogger, ErrorCodes, Headers, type RecordContext } from '@notify/runtime';
import { Topics, type NotificationRequest } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import type { RecordAcceptance } from '../accept/intake.js';
import { IdempotencyKeyReusedError, MissingReferencesError } from '../domain/accept-notification.js';
import { IdempotencyKeyInFlightError, requestProcessor } from './request-processor.js';

const request = { tenantId: 'acme', idempotencyKey: 'k1', recipients: ['u1'] } as NotificationRequest;

function context(overrides: Partial<RecordContext> = {}): RecordContext {
  return {
    topic: Topics.requests.name,
    partition: 3,
    offset: '15',
    key: null,
    rawValue: null,
    headers: {},
    attempt: 1,
    maxAttempts: 4,
    logger: createLogger('test', 'silent'),
    now: () => 1_000,
    ...overrides,
  };
}

function processorAnswering(result: RecordAcceptance) {
  const origins: string[] = [];
  const def = requestProcessor({
    acceptRecord: async (_body, origin) => {
      origins.push(origin);
      return result;
    },
  });
  const handle = (def.handle as { record: (v: NotificationRequest, c: RecordContext) => Promise<unknown> })
    .record;
  return { def, origins, handle };
}

describe('requestProcessor', () => {
  it('reads notify.requests.v1 and may write notify.accepted.v1 and notify.status.v1', () => {
    const { def } = processorAnswering({ kind: 'duplicate', outputs: [] });
    expect(def.input).toBe(Topics.requests);
    expect(def.outputs).toEqual([Topics.accepted, Topics.status]);
    expect(def.bindings?.(request)).toEqual({ tenantId: 'acme', idempotencyKey: 'k1' });
  });

  it('returns the outputs of an accepted request and none for a duplicate, passing the record origin', async () => {
    const outputs = [{ topic: Topics.status, key: 'n1', value: {} as never }];
    const accepted = processorAnswering({ kind: 'accepted', outputs });
    expect(await accepted.handle(request, context())).toBe(outputs);
    expect(accepted.origins).toEqual([`${Topics.requests.name}/3/15`]);

    const retried = processorAnswering({ kind: 'duplicate', outputs: [] });
    const headers = {
      [Headers.SOURCE_TOPIC]: Topics.requests.name,
      [Headers.SOURCE_PARTITION]: '1',
      [Headers.SOURCE_OFFSET]: '9',
    };
    expect(
      await retried.handle(request, context({ topic: `${Topics.requests.name}.retry.1`, headers })),
    ).toEqual([]);
    expect(retried.origins).toEqual([`${Topics.requests.name}/1/9`]);
  });

  it('retries a key in flight elsewhere and dead-letters a rejection', async () => {
    const inFlight = processorAnswering({ kind: 'in-flight', tenantId: 'acme', idempotencyKey: 'k1' });
    const err = await inFlight.handle(request, context()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotencyKeyInFlightError);
    expect((err as IdempotencyKeyInFlightError).canRetry).toBe(true);

    const reused = new IdempotencyKeyReusedError();
    await expect(
      processorAnswering({ kind: 'rejected', error: reused }).handle(request, context()),
    ).rejects.toBe(reused);
  });

  it('reports DEAD_LETTERED statuses only for requests naming unknown recipients or templates', () => {
    const { def } = processorAnswering({ kind: 'duplicate', outputs: [] });
    const full: NotificationRequest = {
      ...request,
      templateId: 't',
      category: 'c',
      channels: [],
      priority: 'NORMAL',
      data: {},
      scheduledFor: null,
      expiresAt: null,
      requestedAt: 5,
    };
    expect(def.onDeadLetter?.(full, new MissingReferencesError({ userIds: ['u1'] }), context())).toHaveLength(
      1,
    );
    expect(def.onDeadLetter?.(full, new IdempotencyKeyInFlightError('acme', 'k1'), context())).toEqual([]);
    expect(new IdempotencyKeyInFlightError('acme', 'k1').code).toBe(ErrorCodes.INTERNAL);
  });
});
