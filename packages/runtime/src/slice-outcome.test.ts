import type { KafkaMessage, Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ErrorCodes, PermanentError, TransientError, type NotifyError } from './errors.js';
import { Headers } from './headers.js';
import type { Output } from './processor.js';
import { SliceBlockedError, sliceOutcome, type EvaluatedRecord, type SliceOutcomeOptions } from './slice-outcome.js';

const NOW = 1_000_000;
const topicSpec = (name: string) => ({ name }) as Output['topic'];

function record(offset: number, extra: Partial<EvaluatedRecord> = {}): EvaluatedRecord {
  const message = { offset: String(offset), key: Buffer.from(`k${offset}`), value: Buffer.from(`v${offset}`), headers: {} } as unknown as KafkaMessage;
  return { message, headers: { [Headers.REQUESTED_AT]: String(NOW - 500) }, attempt: 1, ...extra };
}

const out = (topic: string, key: string): Output => ({ topic: topicSpec(topic), key, value: {} as never });

function options(overrides: Partial<SliceOutcomeOptions> = {}): SliceOutcomeOptions {
  return {
    source: { topic: 'in', partition: 2, service: 'svc' },
    inputTopic: 'in',
    retryDelaysMs: [1000, 5000],
    now: NOW,
    encode: (_rec, outputs) => outputs.map((o): [string, Message] => [o.topic.name, { key: o.key, value: Buffer.from('x') }]),
    deadLetterOutputs: (rec) => [out('status', `dead-${rec.message.offset}`)],
    ...overrides,
  };
}

describe('sliceOutcome', () => {
  it('produces every record’s outputs, grouped by topic in offset order', () => {
    const res = sliceOutcome([record(1, { outputs: [out('a', '1'), out('b', '1')] }), record(2, { outputs: [out('a', '2')] }), record(3, { outputs: [] })], options());
    expect(res.topicMessages.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['a', ['1', '2']],
      ['b', ['1']],
    ]);
    expect(res.fates.map((f) => f.kind)).toEqual(['produced', 'produced', 'produced']);
    expect(res.fates[0]).toMatchObject({ outputs: 2, requestedAt: NOW - 500 });
  });

  it('sends a transient failure to its retry tier with the due time, the original bytes and the failure headers', () => {
    const failure = new TransientError(ErrorCodes.INTERNAL, 'flaky');
    const res = sliceOutcome([record(7, { failure, attempt: 2 })], options());
    expect(res.fates).toEqual([expect.objectContaining({ kind: 'retry', tier: 2, dueAt: NOW + 5000 })]);
    const [retry] = res.topicMessages;
    expect(retry!.topic).toBe('in.retry.2');
    const message = retry!.messages[0]!;
    expect(message.value).toEqual(Buffer.from('v7'));
    expect(message.headers).toMatchObject({ [Headers.RETRY_DUE_AT]: String(NOW + 5000), [Headers.ATTEMPT]: '2', [Headers.ERROR_CODE]: ErrorCodes.INTERNAL });
  });

  it('dead-letters a permanent failure at once, with the processor’s dead-letter outputs', () => {
    const failure = new PermanentError(ErrorCodes.VALIDATION, 'bad');
    const res = sliceOutcome([record(4, { failure })], options());
    expect(res.fates).toEqual([expect.objectContaining({ kind: 'dead-letter', failure })]);
    expect(res.topicMessages.map((t) => t.topic)).toEqual(['in.dlq', 'status']);
    expect(res.topicMessages[0]!.messages[0]!.headers).toMatchObject({ [Headers.DEAD_LETTERED_AT]: String(NOW) });
  });

  it('dead-letters a transient failure after the last tier', () => {
    const res = sliceOutcome([record(4, { failure: new TransientError(ErrorCodes.INTERNAL, 'again'), attempt: 3 })], options());
    expect(res.fates[0]!.kind).toBe('dead-letter');
  });

  it('sends a failure that spent no attempt back to the first tier, its attempt uncounted, even on the last attempt', () => {
    const failure = new TransientError(ErrorCodes.INTERNAL, 'in flight elsewhere', { spendsAttempt: false });
    const res = sliceOutcome([record(5, { failure, attempt: 3 })], options());
    expect(res.fates).toEqual([expect.objectContaining({ kind: 'retry', tier: 1, dueAt: NOW + 1000 })]);
    expect(res.topicMessages.map((t) => t.topic)).toEqual(['in.retry.1']);
    expect(res.topicMessages[0]!.messages[0]!.headers).toMatchObject({ [Headers.ATTEMPT]: '2' });
  });

  it('treats outputs that cannot be encoded as the record’s failure', () => {
    const bad: NotifyError = new PermanentError(ErrorCodes.VALIDATION, 'does not match the schema');
    const res = sliceOutcome([record(1, { outputs: [out('a', '1')] })], options({ encode: (_r, outputs) => (outputs.length && outputs[0]!.topic.name === 'a' ? bad : []) }));
    expect(res.fates).toEqual([expect.objectContaining({ kind: 'dead-letter', failure: bad })]);
    expect(res.topicMessages.map((t) => t.topic)).toEqual(['in.dlq']);
  });

  it('blocks the whole slice when a record failed for an unavailable dependency', () => {
    const records = [record(1, { outputs: [out('a', '1')] }), record(2, { failure: new DependencyUnavailableError('mongodb') })];
    expect(() => sliceOutcome(records, options())).toThrow(SliceBlockedError);
  });
});
