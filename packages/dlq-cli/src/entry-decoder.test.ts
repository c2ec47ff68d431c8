import { DependencyUnavailableError, DeserializationError } from '@notify/runtime';
import type { SchemaName } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { checkFraming, classifyDecodeFailure, EntryDecoder, type ValueDecoder } from './entry-decoder.js';
import { TopicSchemaResolver } from './topic-schemas.js';

const framed = (id: number, body = [1, 2]) => {
  const b = Buffer.alloc(5 + body.length);
  b.writeUInt8(0, 0);
  b.writeInt32BE(id, 1);
  Buffer.from(body).copy(b, 5);
  return b;
};

describe('framing and classification', () => {
  it('checks the Confluent header before any registry call', () => {
    expect(checkFraming(null)?.reason).toBe('empty-value');
    expect(checkFraming(Buffer.from('not avro'))).toEqual({
      reason: 'wrong-magic-byte',
      message: 'wrong magic byte 110 (expected 0)',
    });
    expect(checkFraming(Buffer.from([0, 0, 1]))?.reason).toBe('empty-value');
    expect(checkFraming(framed(7))).toBeUndefined();
  });

  it("classifies the serde's deserialization messages", () => {
    expect(classifyDecodeFailure('unknown schema id 99')).toBe('unknown-schema-id');
    expect(classifyDecodeFailure('schema id 3 cannot be read as dispatch: missing field')).toBe(
      'incompatible-schema',
    );
    expect(classifyDecodeFailure('Avro body does not decode with schema id 3: truncated')).toBe(
      'corrupt-body',
    );
  });
});

describe('EntryDecoder', () => {
  const serde: ValueDecoder = {
    async decode<T>(schema: SchemaName, bytes: Buffer | null): Promise<T> {
      const id = bytes!.readInt32BE(1);
      if (id === 1) return { notification: { notificationId: 'n-1' }, schema } as T;
      if (id === 404) throw new DeserializationError('unknown schema id 404');
      if (id === 2) throw new DeserializationError(`schema id 2 cannot be read as ${schema}: missing field`);
      throw new DependencyUnavailableError('schema registry');
    },
  };
  const decoder = new EntryDecoder(
    serde,
    new TopicSchemaResolver({ latestRecordName: async () => undefined }),
  );

  it("decodes with the topic's schema", async () => {
    expect(await decoder.decodeAs('notify.accepted.v1', framed(1))).toEqual({
      ok: true,
      schema: 'notification-accepted',
      value: { notification: { notificationId: 'n-1' }, schema: 'notification-accepted' },
    });
  });

  it('says why a value cannot be read', async () => {
    expect(await decoder.decodeAs('notify.accepted.v1', framed(404))).toMatchObject({
      ok: false,
      reason: 'unknown-schema-id',
    });
    expect(await decoder.decodeAs('notify.accepted.v1', framed(2))).toMatchObject({
      ok: false,
      reason: 'incompatible-schema',
    });
    expect(await decoder.decodeAs('notify.accepted.v1', Buffer.from('x'))).toMatchObject({
      ok: false,
      reason: 'wrong-magic-byte',
    });
    expect(await decoder.decodeAs('unknown.topic', framed(1))).toMatchObject({
      ok: false,
      reason: 'no-schema-for-topic',
    });
  });

  it('lets a registry outage through instead of blaming the entry', async () => {
    await expect(decoder.decodeAs('notify.accepted.v1', framed(500))).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
  });
});
