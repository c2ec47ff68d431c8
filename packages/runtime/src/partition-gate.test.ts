import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ErrorCodes, TransientError } from './errors.js';
import { Headers } from './headers.js';
import { PartitionGate, splitDue } from './partition-gate.js';

const msg = (offset: number, dueAt?: number) =>
  ({ offset: String(offset), headers: dueAt === undefined ? {} : { [Headers.RETRY_DUE_AT]: Buffer.from(String(dueAt)) } }) as unknown as KafkaMessage;

describe('splitDue', () => {
  it('takes the due prefix and pauses until the first record that is not due', () => {
    const { ready, pauseUntil } = splitDue([msg(1, 100), msg(2, 200), msg(3, 900), msg(4, 150)], 500);
    expect(ready.map((m) => m.offset)).toEqual(['1', '2']);
    expect(pauseUntil).toBe(900);
  });

  it('takes everything when all is due or carries no due time', () => {
    expect(splitDue([msg(1), msg(2, 10)], 500)).toEqual({ ready: [msg(1), msg(2, 10)] });
  });
});

describe('PartitionGate', () => {
  const transient = new TransientError(ErrorCodes.INTERNAL, 'refused');

  it('doubles the backoff per partition up to the maximum, and resets it on a commit', () => {
    const gate = new PartitionGate({ outageRestartMs: 60_000, backoffInitialMs: 100, backoffMaxMs: 350 });
    expect(gate.failed('t:0', transient)).toEqual({ kind: 'back-off', delayMs: 100 });
    expect(gate.failed('t:0', transient)).toEqual({ kind: 'back-off', delayMs: 200 });
    expect(gate.failed('t:1', transient)).toEqual({ kind: 'back-off', delayMs: 100 });
    expect(gate.failed('t:0', transient)).toEqual({ kind: 'back-off', delayMs: 350 });
    gate.committed('t:0');
    expect(gate.failed('t:0', transient)).toEqual({ kind: 'back-off', delayMs: 100 });
  });

  it('restarts after an unavailable dependency outlasted the limit with nothing committed', () => {
    let now = 0;
    const gate = new PartitionGate({ outageRestartMs: 1_000, clock: () => now });
    const down = new DependencyUnavailableError('mongodb');
    expect(gate.failed('t:0', down).kind).toBe('back-off');
    now = 600;
    expect(gate.failed('t:1', down).kind).toBe('back-off');
    now = 1_000;
    expect(gate.failed('t:0', down)).toEqual({ kind: 'restart', outageMs: 1_000 });
  });

  it('starts the outage clock again after any commit, and ignores failures that are not outages', () => {
    let now = 0;
    const gate = new PartitionGate({ outageRestartMs: 1_000, clock: () => now });
    const down = new DependencyUnavailableError('redis');
    gate.failed('t:0', down);
    now = 900;
    gate.committed('t:1');
    now = 1_500;
    expect(gate.failed('t:0', down).kind).toBe('back-off');
    now = 5_000;
    expect(gate.failed('t:0', transient).kind).toBe('back-off');
  });
});
