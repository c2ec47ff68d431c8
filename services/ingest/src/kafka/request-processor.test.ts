import {
  createLogger,
  ErrorCodes,
  Headers,
  type BatchHandler,
  type Output,
  type RecordContext,
} from '@notify/runtime';
import { Topics, type NotificationRequest } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import type { RecordAcceptance } from '../accept/intake.js';
import { IdempotencyKeyReusedError } from '../domain/accept-notification.js';
import { MissingReferencesError } from '../domain/references.js';
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

type Handled = Array<Output[] | Error>;

/** The processor over an intake answering each record with the next of `results`; records the origins it was given. */
function processorAnswering(...results: Array<RecordAcceptance | Error>) {
  const origins: string[] = [];
  const def = requestProcessor({
    acceptRecords: async (records) => {
      origins.push(...records.map((r) => r.origin));
      return records.map((_, i) => results[i] as RecordAcceptance | Error);
    },
  });
  const batch = (def.handle as { batch: BatchHandler<NotificationRequest> }).batch;
  const handle = (...contexts: RecordContext[]) =>
    batch(contexts.map((c) => ({ value: request, context: c }))) as Promise<Handled>;
  return { def, origins, handle };
}

describe('requestProcessor', () => {
  it('reads notify.requests.v1 and may write notify.accepted.v1, notify.status.v1 and notify.broadcasts.v1', () => {
    const { def } = processorAnswering();
    expect(def.input).toBe(Topics.requests);
    expect(def.outputs).toEqual([Topics.accepted, Topics.status, Topics.broadcasts]);
    expect(def.bindings?.(request)).toEqual({ tenantId: 'acme', idempotencyKey: 'k1' });
  });

  it('hands the whole slice over at once, with each record origin, and returns its outputs in order', async () => {
    const outputs = [{ topic: Topics.status, key: 'n1', value: {} as never }];
    const headers = {
      [Headers.SOURCE_TOPIC]: Topics.requests.name,
      [Headers.SOURCE_PARTITION]: '1',
      [Headers.SOURCE_OFFSET]: '9',
    };
    const { handle, origins } = processorAnswering(
      { kind: 'accepted', outputs },
      { kind: 'duplicate', outputs: [] },
    );
    const results = await handle(context(), context({ topic: `${Topics.requests.name}.retry.1`, headers }));
    expect(results).toEqual([outputs, []]);
    expect(origins).toEqual([`${Topics.requests.name}/3/15`, `${Topics.requests.name}/1/9`]);
  });

  it('fails only the records that failed: a key in flight is retried, a rejection dead-lettered', async () => {
    const reused = new IdempotencyKeyReusedError();
    const storeDown = new Error('mongo down');
    const { handle } = processorAnswering(
      { kind: 'in-flight', tenantId: 'acme', idempotencyKey: 'k1' },
      { kind: 'rejected', error: reused },
      storeDown,
      { kind: 'duplicate', outputs: [] },
    );
    const [inFlight, rejected, failed, duplicate] = await handle(
      context(),
      context({ offset: '16' }),
      context({ offset: '17' }),
      context({ offset: '18' }),
    );
    expect(inFlight).toBeInstanceOf(IdempotencyKeyInFlightError);
    expect((inFlight as IdempotencyKeyInFlightError).canRetry).toBe(true);
    expect(rejected).toBe(reused);
    expect(failed).toBe(storeDown);
    expect(duplicate).toEqual([]);
  });

  it('reports DEAD_LETTERED statuses only for requests naming unknown recipients or templates', () => {
    const { def } = processorAnswering();
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
