import { ErrorCodes, NotifyError } from '@notify/runtime';
import type { SchemaName } from '@notify/schemas';
import type { TopicSchemaResolver } from './topic-schemas.js';

/** Why a value cannot be read as a topic's schema. */
export type UnreadableReason =
  | 'empty-value'
  | 'wrong-magic-byte'
  | 'unknown-schema-id'
  | 'incompatible-schema'
  | 'corrupt-body'
  | 'no-schema-for-topic';

export type DecodeResult =
  | { ok: true; schema: SchemaName; value: unknown }
  | { ok: false; reason: UnreadableReason; message: string; schema?: SchemaName };

/** The part of AvroSerde the decoder needs. */
export interface ValueDecoder {
  decode<T>(schema: SchemaName, bytes: Buffer | null): Promise<T>;
}

const MAGIC_BYTE = 0;
const FRAME_HEADER_BYTES = 5; // magic byte + 4-byte schema id

/** Cheap checks of the Confluent framing, before any registry call. */
export function checkFraming(
  bytes: Buffer | null,
): { reason: UnreadableReason; message: string } | undefined {
  if (!bytes || bytes.length === 0) return { reason: 'empty-value', message: 'value is empty' };
  if (bytes[0] !== MAGIC_BYTE)
    return { reason: 'wrong-magic-byte', message: `wrong magic byte ${bytes[0]} (expected ${MAGIC_BYTE})` };
  if (bytes.length < FRAME_HEADER_BYTES)
    return { reason: 'empty-value', message: 'value is shorter than the Confluent header' };
  return undefined;
}

/**
 * Classifies a deserialization failure of the serde. The serde gives one error code for all of them, so its
 * message is the only place the kind is said; anything unrecognised counts as a corrupt body.
 */
export function classifyDecodeFailure(message: string): UnreadableReason {
  if (/unknown schema id/i.test(message)) return 'unknown-schema-id';
  if (/cannot be read as/i.test(message)) return 'incompatible-schema';
  if (/magic byte/i.test(message)) return 'wrong-magic-byte';
  if (/empty|shorter/i.test(message)) return 'empty-value';
  return 'corrupt-body';
}

/** Reads values with the schema of the topic they belong to; a value that cannot be read says why. */
export class EntryDecoder {
  constructor(
    private readonly serde: ValueDecoder,
    private readonly schemas: TopicSchemaResolver,
  ) {}

  async decodeAs(topic: string, bytes: Buffer | null): Promise<DecodeResult> {
    const schema = await this.schemas.schemaFor(topic);
    if (!schema) {
      return {
        ok: false,
        reason: 'no-schema-for-topic',
        message: `no schema is known for topic ${topic} (topic registry or ${topic}-value subject)`,
      };
    }
    const framing = checkFraming(bytes);
    if (framing) return { ok: false, schema, ...framing };
    try {
      return { ok: true, schema, value: await this.serde.decode(schema, bytes) };
    } catch (err) {
      // A registry outage is not a property of the entry: let it stop the command.
      if (!(err instanceof NotifyError) || err.code !== ErrorCodes.DESERIALIZATION) throw err;
      return { ok: false, schema, reason: classifyDecodeFailure(err.message), message: err.message };
    }
  }
}
