import { Headers } from '@notify/runtime';
import { describe, expect, it } from 'vitest';
import { toDlqEntry } from './dlq-entry.js';
import { formatEntryText, hexPreview, toEntryView, toJson } from './entry-view.js';

const entry = (value: Buffer) =>
  toDlqEntry('a.in.dlq', 1, {
    key: Buffer.from('t1:u1'),
    value,
    offset: '9',
    timestamp: '0',
    attributes: 0,
    headers: {
      [Headers.ERROR_CODE]: Buffer.from('DESERIALIZATION'),
      [Headers.DEAD_LETTERED_AT]: Buffer.from('1000'),
    },
  });

describe('entry views', () => {
  it('shows raw bytes as base64 and a hex preview when the value does not decode', () => {
    const view = toEntryView(entry(Buffer.from('not avro')), {
      ok: false,
      reason: 'wrong-magic-byte',
      message: 'wrong magic byte 110 (expected 0)',
    });
    expect(view.decoded).toBeNull();
    expect(view.raw).toEqual({
      length: 8,
      base64: Buffer.from('not avro').toString('base64'),
      hexPreview: '6e 6f 74 20 61 76 72 6f',
    });
    expect(view.failure).toMatchObject({
      code: 'DESERIALIZATION',
      sourceTopic: 'a.in',
      deadLetteredAt: '1970-01-01T00:00:01.000Z',
    });
    const text = formatEntryText(view);
    expect(text).toContain('a.in.dlq [1]@9  key=t1:u1');
    expect(text).toContain('not decoded (wrong-magic-byte: wrong magic byte 110 (expected 0))');
    expect(text).toContain(`${Headers.ERROR_CODE}: DESERIALIZATION`);
  });

  it('shows the decoded value without raw bytes when it decodes', () => {
    const view = toEntryView(entry(Buffer.from([0, 0, 0, 0, 1])), {
      ok: true,
      schema: 'notification-accepted',
      value: { notification: { notificationId: 'n-1' } },
    });
    expect(view.raw).toBeNull();
    expect(formatEntryText(view)).toContain('"notificationId": "n-1"');
  });

  it('cuts the hex preview and writes bytes and bigints as JSON text', () => {
    expect(hexPreview(Buffer.alloc(100), 4)).toBe('00 00 00 00 …');
    expect(JSON.parse(toJson({ b: Buffer.from('hi'), n: 5n }))).toEqual({ b: 'aGk=', n: '5' });
  });
});
