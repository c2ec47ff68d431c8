import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadSchema, type SchemaName, type TopicSpec } from '@notify/schemas';
import avro from 'avsc';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import { DependencyUnavailableError, DeserializationError, PermanentError, TransientError, ErrorCodes, toFailure } from './errors.js';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
const REGISTRY_REQUEST_TIMEOUT_MS = 10_000; // ten seconds per request

export interface SerdeOptions {
  url: string;
  username?: string;
  password?: string;
  /** Per registry request; REGISTRY_REQUEST_TIMEOUT_MS when absent. */
  requestTimeoutMs?: number;
}

/**
 * Avro in the Confluent wire format through a schema registry. Values are decoded with the local schema
 * as the reader (so a newer writer resolves into the types this code was built with); writer schemas and
 * resolvers are cached by schema id, output schema ids by subject.
 */
export class AvroSerde {
  private readonly registry: SchemaRegistry;
  private readonly readerTypes = new Map<SchemaName, avro.Type>();
  private readonly resolvers = new Map<string, avro.Type | avro.Resolver>();
  private readonly outputIds = new Map<string, number>();

  constructor(options: SerdeOptions) {
    this.registry = new SchemaRegistry({
      host: options.url,
      // Without a timeout a request the registry never answers holds a service's start-up forever; a timed-out
      // request fails, and the start-up step retries it.
      middlewares: [TimeoutMiddleware(options.requestTimeoutMs ?? REGISTRY_REQUEST_TIMEOUT_MS)],
      ...(options.username ? { auth: { username: options.username, password: options.password ?? '' } } : {}),
    });
  }

  /** Registers (or, when `register` is false, looks up) the value schema of each output topic. */
  async prepareOutputs(topics: TopicSpec[], register: boolean): Promise<void> {
    for (const topic of topics) {
      const subject = `${topic.name}-value`;
      if (this.outputIds.has(subject)) continue;
      const schema = JSON.stringify(loadSchema(topic.schema));
      try {
        const id = register
          ? await this.registerValue(subject, schema)
          : await this.registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema });
        this.outputIds.set(subject, id);
      } catch (err) {
        throw registrationFailure(subject, register, err);
      }
    }
  }

  private async registerValue(subject: string, schema: string): Promise<number> {
    const register = async () => (await this.registry.register({ type: SchemaType.AVRO, schema }, { subject })).id;
    try {
      return await register();
    } catch (err) {
      if (!compatibilityUnset(err)) throw err;
      // A first registrant stopped between registering the subject and setting its compatibility: the
      // subject is left at the registry's default (NONE on Apicurio) and every later registration is refused.
      await (this.registry as unknown as RegistryInternals).api.Subject.updateConfig({ subject, body: { compatibility: 'BACKWARD' } });
      return register();
    }
  }

  encode(topic: TopicSpec, value: unknown): Buffer {
    const subject = `${topic.name}-value`;
    const id = this.outputIds.get(subject);
    if (id === undefined) throw new PermanentError(ErrorCodes.CONFIG, `output topic ${topic.name} was not prepared`);
    const type = this.readerType(topic.schema);
    let body: Buffer;
    try {
      body = type.toBuffer(value);
    } catch (err) {
      const paths: string[] = [];
      type.isValid(value, { errorHook: (p) => paths.push(p.join('.')) });
      throw new PermanentError(ErrorCodes.VALIDATION, `value for ${topic.name} does not match its schema at ${paths.join(', ') || '(root)'}`, {
        cause: err,
      });
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, body]);
  }

  /** Decodes a Confluent-framed value into the local schema's shape. */
  async decode<T>(schema: SchemaName, bytes: Buffer | null): Promise<T> {
    if (!bytes || bytes.length < HEADER_BYTES) throw new DeserializationError('value is empty or shorter than the Confluent header');
    if (bytes[0] !== MAGIC_BYTE) throw new DeserializationError(`wrong magic byte ${bytes[0]} (expected 0)`);
    const id = bytes.readInt32BE(1);
    const reader = this.readerType(schema);
    const resolver = await this.resolverFor(schema, id, reader);
    try {
      return (resolver === reader ? reader.fromBuffer(bytes.subarray(HEADER_BYTES)) : reader.fromBuffer(bytes.subarray(HEADER_BYTES), resolver as avro.Resolver)) as T;
    } catch (err) {
      throw new DeserializationError(`Avro body does not decode with schema id ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  private readerType(schema: SchemaName): avro.Type {
    let type = this.readerTypes.get(schema);
    if (!type) {
      type = avro.Type.forSchema(loadSchema(schema) as avro.Schema);
      this.readerTypes.set(schema, type);
    }
    return type;
  }

  private async resolverFor(schema: SchemaName, id: number, reader: avro.Type): Promise<avro.Type | avro.Resolver> {
    const key = `${schema}:${id}`;
    const cached = this.resolvers.get(key);
    if (cached) return cached;
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(id)) as unknown as avro.Type;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) throw new DeserializationError(`unknown schema id ${id}`, { cause: err });
      throw new DependencyUnavailableError('schema registry', { cause: err });
    }
    let resolver: avro.Type | avro.Resolver;
    try {
      resolver = writer.equals(reader) ? reader : reader.createResolver(writer);
    } catch (err) {
      throw new DeserializationError(`schema id ${id} cannot be read as ${schema}: ${(err as Error).message}`, { cause: err });
    }
    this.resolvers.set(key, resolver);
    return resolver;
  }
}

/** The client's API, which SchemaRegistry keeps private. */
interface RegistryInternals {
  api: { Subject: { updateConfig(args: { subject: string; body: { compatibility: string } }): Promise<unknown> } };
}

/**
 * The registry did not answer within the request timeout. The HTTP client (mappersmith) reports its own
 * timeout as a 400 whose text is "Timeout (<ms>ms)", and the registry client keeps only status and text.
 */
function timedOut(err: unknown): boolean {
  return /: Timeout \(\d+ms\)$/.test((err as Error)?.message ?? '');
}

function compatibilityUnset(err: unknown): boolean {
  return (err as Error)?.name === 'ConfluentSchemaRegistryCompatibilityError' && /!= NONE\)$/.test((err as Error).message);
}

/**
 * A registry that cannot be reached, or a subject caught between another replica's first registration
 * and its compatibility setting (the client sees the registry default, NONE, for a moment, or both set
 * it and one is refused), may pass; an incompatible schema or a missing subject will not.
 */
function registrationFailure(subject: string, register: boolean, err: unknown): Error {
  const message = `schema for ${subject} could not be ${register ? 'registered' : 'found'}: ${(err as Error).message}`;
  if ((err as Error)?.name === 'ConfluentSchemaRegistryCompatibilityError') return new TransientError(ErrorCodes.CONFIG, message, { cause: err });
  if (toFailure(err) instanceof DependencyUnavailableError) return new DependencyUnavailableError('schema registry', { cause: err });
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 500) return new DependencyUnavailableError('schema registry', { cause: err });
  if (status === 400 && timedOut(err)) return new DependencyUnavailableError('schema registry', { cause: err });
  // Two first registrations at once: both set the subject's compatibility, the second is refused.
  const url = (err as { url?: unknown })?.url;
  if (status === 409 && typeof url === 'string' && url.includes('/config/')) return new TransientError(ErrorCodes.CONFIG, message, { cause: err });
  return new PermanentError(ErrorCodes.CONFIG, message, { cause: err });
}
