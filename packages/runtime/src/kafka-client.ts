import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { RuntimeEnv } from './config.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client from validated config, logging through pino. */
export function createKafka(env: RuntimeEnv, clientId: string, logger: Logger): Kafka {
  const sasl: SASLOptions | undefined = env.KAFKA_SASL_MECHANISM
    ? ({
        mechanism: env.KAFKA_SASL_MECHANISM,
        username: env.KAFKA_SASL_USERNAME!,
        password: env.KAFKA_SASL_PASSWORD!,
      } as SASLOptions)
    : undefined;
  const kafkaLog = logger.child({ component: 'kafkajs' });
  const config: KafkaConfig = {
    clientId: env.KAFKA_CLIENT_ID ?? clientId,
    brokers: env.KAFKA_BROKERS,
    ssl: env.KAFKA_SSL,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 10_000, // 10 s
    requestTimeout: 30_000, // 30 s
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        kafkaLog[LEVELS[level] ?? 'info'](extra, message);
      },
  };
  return new Kafka(config);
}
