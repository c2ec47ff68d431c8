import { Headers } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { isFailureHeader, replayHeaders } from './replay-headers.js';

describe('replayHeaders', () => {
  const failure = {
    [Headers.ERROR_CODE]: Buffer.from('VALIDATION'),
    [Headers.ERROR_CLASS]: Buffer.from('ValidationError'),
    [Headers.ERROR_MESSAGE]: Buffer.from('bad'),
    [Headers.ERROR_RETRIABLE]: Buffer.from('false'),
    [Headers.SOURCE_TOPIC]: Buffer.from('t'),
    [Headers.SOURCE_PARTITION]: Buffer.from('0'),
    [Headers.SOURCE_OFFSET]: Buffer.from('1'),
    [Headers.SERVICE]: Buffer.from('relay'),
    [Headers.ATTEMPT]: Buffer.from('3'),
    [Headers.FIRST_FAILED_AT]: Buffer.from('1'),
    [Headers.RETRY_DUE_AT]: Buffer.from('2'),
    [Headers.DEAD_LETTERED_AT]: Buffer.from('3'),
  };
  const original = {
    [Headers.TRACEPARENT]: Buffer.from('00-aa-bb-01'),
    [Headers.REQUESTED_AT]: Buffer.from('1700000000000'),
    'x-custom': [Buffer.from('a'), Buffer.from([0xff, 0x00])],
  };

  it('keeps the original headers byte for byte, drops the failure headers and counts the first replay', () => {
    const out = replayHeaders({ ...original, ...failure }, 1_700_000_123_456);
    expect(out).toEqual({ ...original, [Headers.REPLAY_COUNT]: '1', [Headers.REPLAYED_AT]: '1700000123456' });
  });

  it('adds one to an earlier replay count', () => {
    const out = replayHeaders(
      { ...original, [Headers.REPLAY_COUNT]: Buffer.from('2'), [Headers.REPLAYED_AT]: Buffer.from('5') },
      9,
    );
    expect(out[Headers.REPLAY_COUNT]).toBe('3');
    expect(out[Headers.REPLAYED_AT]).toBe('9');
  });

  it('treats every error and source header as a failure header, whatever its case', () => {
    expect(isFailureHeader('x-notify-error-details')).toBe(true);
    expect(isFailureHeader('X-Notify-Source-Topic')).toBe(true);
    expect(isFailureHeader(Headers.TRACEPARENT)).toBe(false);
    expect(isFailureHeader(Headers.REPLAY_COUNT)).toBe(false);
  });
});
