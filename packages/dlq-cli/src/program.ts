import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandIo } from './cli-io.js';
import { inspectCommand } from './commands/inspect.js';
import { listCommand } from './commands/list.js';
import { replayCommand } from './commands/replay.js';
import { connect, type Connection } from './connection.js';
import { parseFilter } from './filters.js';
import { assertReplayName } from './replayer.js';
import { parseSchemaName } from './topic-schemas.js';
import { usageError } from './usage-error.js';

export interface ProgramIo extends CommandIo {
  env: NodeJS.ProcessEnv;
  /** Opens the clients; replaceable so parsing can be tested without a broker. */
  connect?: (env: NodeJS.ProcessEnv) => Promise<Connection>;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function schemaOption(): Option {
  return new Option(
    '--schema <schema>',
    "read values with this schema (e.g. notification-accepted) instead of the topic's own",
  ).argParser(parseSchemaName);
}

/** The filters shared by inspect and replay; only the upper time bound's name differs (see each command). */
function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--from <time>', 'dead-lettered at or after this time (ISO 8601 or epoch ms)')
    .option('--code <code>', 'error code, e.g. VALIDATION (repeatable, or comma-separated)', collect)
    .option('--key <key>', 'record key, e.g. tenant:user (repeatable, or comma-separated)', collect)
    .option(
      '--id <notificationId>',
      'notification id in the decoded value (repeatable, or comma-separated)',
      collect,
    )
    .option('--limit <n>', 'at most this many matching entries', positiveInt)
    .addOption(schemaOption())
    .option('--json', 'machine-readable output');
}

interface CommonFlags {
  from?: string;
  code?: string[];
  key?: string[];
  id?: string[];
  limit?: number;
  schema?: ReturnType<typeof parseSchemaName>;
  json?: boolean;
}

/** The notify-dlq command line: list, inspect and replay dead-letter topics. */
export function buildProgram(io: ProgramIo): Command {
  const open = io.connect ?? connect;
  const withConnection = async <T>(fn: (conn: Connection) => Promise<T>): Promise<T> => {
    const conn = await open(io.env);
    try {
      return await fn(conn);
    } finally {
      await conn.close();
    }
  };

  const program = new Command('notify-dlq')
    .description(
      'Dead-letter topics of the notification pipeline: list them, inspect entries, replay them to their source.\n' +
        'Connection from the environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL (required), KAFKA_SSL, KAFKA_SASL_*, SCHEMA_REGISTRY_USERNAME/PASSWORD.',
    )
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError()
    .exitOverride();

  program
    .command('list')
    .description('every *.dlq topic with its entry count, oldest and newest entry and counts by error code')
    .option('--match <text>', 'only DLQ topics whose name contains this text')
    .option('--json', 'machine-readable output')
    .action(async (flags: { match?: string; json?: boolean }) => {
      await withConnection((conn) => listCommand(conn, flags, io));
    });

  addFilterOptions(
    program
      .command('inspect')
      .description(
        "entries of a DLQ, decoded with their source topic's schema where it reads them (raw bytes otherwise), with all headers",
      )
      .argument('<dlq-topic>', 'the dead-letter topic, e.g. notify.accepted.v1.dlq'),
  )
    .option('--to <time>', 'dead-lettered before this time (ISO 8601 or epoch ms)')
    .option('--until <time>', 'same as --to')
    .action(async (topic: string, flags: CommonFlags & { to?: string; until?: string }) => {
      const filter = parseFilter({ ...flags, until: flags.to ?? flags.until });
      await withConnection((conn) =>
        inspectCommand(conn, topic, { filter, ...pick(flags, 'limit', 'json', 'schema') }, io),
      );
    });

  addFilterOptions(
    program
      .command('replay')
      .description(
        're-publish matching entries to their source topic (or --to), keeping key and original headers minus the failure ' +
          'headers, counting replays; resumable by --name, exactly once',
      )
      .argument('<dlq-topic>', 'the dead-letter topic, e.g. notify.accepted.v1.dlq'),
  )
    .option(
      '--name <replay-name>',
      'identifies the replay; its progress is kept in consumer group notify.dlq-replay.<name> (required unless --dry-run)',
    )
    .option('--to <topic>', "publish to this topic instead of each entry's source topic")
    .option('--until <time>', 'dead-lettered before this time (ISO 8601 or epoch ms)')
    .option('--rate <per-second>', 'publish at most this many records per second', positiveNumber)
    .option('--dry-run', 'show what would be published; publish nothing, keep no progress')
    .action(
      async (
        topic: string,
        flags: CommonFlags & { name?: string; to?: string; until?: string; rate?: number; dryRun?: boolean },
      ) => {
        const filter = parseFilter(flags);
        if (flags.name === undefined && !flags.dryRun) {
          throw usageError('--name', "is required (it keeps the replay's progress), unless --dry-run");
        }
        if (flags.name !== undefined) assertReplayName(flags.name);
        await withConnection((conn) =>
          replayCommand(
            conn,
            topic,
            { filter, ...pick(flags, 'name', 'to', 'rate', 'dryRun', 'limit', 'json', 'schema') },
            io,
          ),
        );
      },
    );

  return program;
}

function pick<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
