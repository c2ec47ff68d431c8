import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AvroSerde, createKafka, loadConfig, runtimeEnvSchema, schemaRegistryAuth, type RuntimeEnv } from '@notify/runtime';
import type { Admin, Kafka } from 'kafkajs';
import pino, { type Logger } from 'pino';
import { EntryDecoder } from './entry-decoder.js';
import { registrySubjectLookup, TopicSchemaResolver } from './topic-schemas.js';
import type { SchemaName } from '@notify/schemas';

const CLIENT_ID = 'notify-dlq';

/** Clients a command works with; `close` releases them. */
export interface Connection {
  env: RuntimeEnv;
  kafka: Kafka;
  admin: Admin;
  serde: AvroSerde;
  registry: SchemaRegistry;
  logger: Logger;
  decoder(schemaOverride?: SchemaName): EntryDecoder;
  close(): Promise<void>;
}

/**
 * Reads the connection settings (KAFKA_BROKERS, KAFKA_SSL, KAFKA_SASL_*, SCHEMA_REGISTRY_*) with the runtime's
 * schema, which names every bad variable at once, and connects. Logs go to stderr so stdout stays the
 * command's output; LOG_LEVEL changes their level from the default "error".
 */
export async function connect(env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const config = loadConfig(runtimeEnvSchema, env);
  const logger = pino(
    { level: env.LOG_LEVEL ? config.LOG_LEVEL : 'error', base: { service: CLIENT_ID } },
    pino.destination(2),
  );
  const kafka = createKafka(config, CLIENT_ID, logger);
  const auth = schemaRegistryAuth(config);
  const serde = new AvroSerde({ url: config.SCHEMA_REGISTRY_URL, ...(auth ?? {}) });
  const registry = new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL, ...(auth ? { auth } : {}) });
  const admin = kafka.admin();
  await admin.connect();
  return {
    env: config,
    kafka,
    admin,
    serde,
    registry,
    logger,
    decoder: (schemaOverride) =>
      new EntryDecoder(serde, new TopicSchemaResolver(registrySubjectLookup(registry), schemaOverride)),
    close: () => admin.disconnect(),
  };
}
