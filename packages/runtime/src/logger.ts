import pino, { type Logger } from 'pino';

/** Contact data and secrets never reach a log line. */
const REDACT = [
  'email',
  'phone',
  'to',
  'deviceTokens',
  'devices',
  'webhookUrl',
  '*.email',
  '*.phone',
  '*.to',
  '*.deviceTokens',
  '*.devices',
  '*.webhookUrl',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
];

export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

export type { Logger };
