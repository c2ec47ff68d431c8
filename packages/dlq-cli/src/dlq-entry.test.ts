import { Headers } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { isDlqTopic, sourceTopicOfDlq, toDlqEntry } from './dlq-entry.js';

describe('dlq entries', () => {
  it('recognises DLQ topic names and their source', () => {
    expect(isDlqTopic('notify.accepted.v1.dlq')).toBe(true);
    expect(isDlqTopic('notify.accepted.v1')).toBe(false);
    expect(isDlqTopic('.dlq')).toBe(false);
    expect(sourceTopicOfDlq('notify.accepted.v1.dlq')).toBe('notify.accepted.v1');
  });

  it('parses the failure headers the runtime writes', () => {
    const e = toDlqEntry('x.retry.dlq', 2, {
      key: Buffer.from('t1:u1'),
      value: Buffer.from('v'),
      offset: '42',
      timestamp: '1700000000500',
      attributes: 0,
      headers: {
        [Headers.ERROR_CODE]: Buffer.from('PROVIDER_REJECTED'),
        [Headers.ERROR_CLASS]: Buffer.from('ProviderError'),
        [Headers.ERROR_MESSAGE]: Buffer.from('400 bad address'),
        [Headers.ERROR_RETRIABLE]: Buffer.from('false'),
        [Headers.SOURCE_TOPIC]: Buffer.from('notify.dispatch.sendgrid.v1'),
        [Headers.SOURCE_PARTITION]: Buffer.from('3'),
        [Headers.SOURCE_OFFSET]: Buffer.from('99'),
        [Headers.SERVICE]: Buffer.from('sender-sendgrid'),
        [Headers.ATTEMPT]: Buffer.from('4'),
        [Headers.FIRST_FAILED_AT]: Buffer.from('1700000000000'),
        [Headers.DEAD_LETTERED_AT]: Buffer.from('1700000000400'),
        [Headers.REPLAY_COUNT]: Buffer.from('2'),
      },
    });
    expect(e.partition).toBe(2);
    expect(e.offset).toBe('42');
    expect(e.headers[Headers.SERVICE]).toBe('sender-sendgrid');
    expect(e.failure).toEqual({
      code: 'PROVIDER_REJECTED',
      errorClass: 'ProviderError',
      message: '400 bad address',
      retriable: false,
      sourceTopic: 'notify.dispatch.sendgrid.v1',
      sourcePartition: 3,
      sourceOffset: '99',
      service: 'sender-sendgrid',
      attempt: 4,
      firstFailedAt: 1_700_000_000_000,
      deadLetteredAt: 1_700_000_000_400,
      replayCount: 2,
    });
  });

  it('falls back to the DLQ name for the source and to the record timestamp for the time', () => {
    const e = toDlqEntry('orders.v1.dlq', 0, {
      key: null,
      value: null,
      offset: '0',
      timestamp: '1234',
      attributes: 0,
      headers: {},
    });
    expect(e.failure).toEqual({ sourceTopic: 'orders.v1', deadLetteredAt: 1234, replayCount: 0 });
    expect(e.key).toBeNull();
  });
});
