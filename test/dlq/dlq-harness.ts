import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Headers } from '@notify/runtime';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { headerText, kafka, readTopic } from '../support/kafka.js';
import { REPO_ROOT, stackEnv, uniqueName } from '../support/stack-env.js';
import type { KafkaMessage } from 'kafkajs';

export const CLI_ENTRY = path.join(REPO_ROOT, 'packages', 'dlq-cli', 'src', 'cli.ts');

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const running = new Set<ChildProcess>();

/** Kills whatever CLI process a test left behind (a failed assertion, a timeout). */
export function killLeftoverClis(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Runs the DLQ command line as its own Node process against the stack. */
export function startCli(args: string[], envOverrides: Record<string, string | undefined> = {}): CliRun {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: stackEnv().SCHEMA_REGISTRY_URL,
  };
  for (const [name, value] of Object.entries(envOverrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Runs a command with --json and returns its parsed output; a non-zero exit fails with stderr. */
export async function cliJson<T>(args: string[]): Promise<T> {
  const { code, stdout, stderr } = await startCli([...args, '--json']).done;
  if (code !== 0) throw new Error(`notify-dlq ${args.join(' ')} exited ${code}:\n${stderr}`);
  return JSON.parse(stdout) as T;
}

export async function committedTotal(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function endOffsetTotal(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Records of a topic that a replay put there (read_committed). */
export async function replayedRecords(
  topic: string,
  expected: number,
  idleMs = 3000,
): Promise<KafkaMessage[]> {
  const all = await readTopic(topic, expected, { idleMs });
  return all.filter((m) => headerText(m, Headers.REPLAY_COUNT) !== undefined);
}

/** Confluent-framed bytes of a schema registered under its own subject that no pipeline schema can read. */
export async function foreignSchemaBytes(): Promise<Buffer> {
  const registry = new SchemaRegistry({ host: stackEnv().SCHEMA_REGISTRY_URL });
  const schema = {
    type: 'record',
    name: 'Foreign',
    namespace: 'io.notify.test',
    fields: [{ name: 'x', type: 'int' }],
  };
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
    { subject: `${uniqueName('dlq-foreign')}-value` },
  );
  return registry.encode(id, { x: 1 });
}

/** Framed bytes naming a schema id the registry does not have. */
export function unknownSchemaIdBytes(): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(0, 0);
  b.writeInt32BE(2_147_480_000, 1);
  return b;
}
