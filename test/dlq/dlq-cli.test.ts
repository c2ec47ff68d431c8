import { Headers } from '@notify/runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { headerText, readTopic } from '../support/kafka.js';
import type { ServiceProcess } from '../support/service-process.js';
import { uniqueName } from '../support/stack-env.js';
import {
  decodeIds,
  produceNotifications,
  relayTopics,
  startRelay,
  type RelayTopics,
} from '../runtime/relay-harness.js';
import {
  cliJson,
  committedTotal,
  endOffsetTotal,
  foreignSchemaBytes,
  killLeftoverClis,
  replayedRecords,
  startCli,
  unknownSchemaIdBytes,
} from './dlq-harness.js';

interface ListOutput {
  topics: Array<{
    topic: string;
    sourceTopic: string;
    entries: number;
    oldest: string | null;
    newest: string | null;
    codes: Record<string, number>;
  }>;
}
interface InspectOutput {
  topic: string;
  scanned: number;
  matched: number;
  entries: Array<{
    partition: number;
    offset: string;
    key: string | null;
    failure: { code: string; sourceTopic: string; deadLetteredAt: string; service: string; attempt: number };
    headers: Record<string, string>;
    decoded: { schema: string; value: { notification: { notificationId: string } } } | null;
    undecodable: { reason: string; message: string } | null;
    raw: { length: number; base64: string; hexPreview: string } | null;
  }>;
}
interface ReplayOutput {
  dryRun: boolean;
  outcome: string;
  published: number;
  wouldPublish: number;
  refused: number;
  refusedByReason: Record<string, number>;
  refusedEntries: Array<{ reason: string; message: string; partition: number; offset: string }>;
  skippedByFilter: number;
  plannedEntries: Array<{ notificationId?: string; target: string }>;
}

// Wave 1 (ids n-0..n-19) and wave 2 (n-20..n-29) go through the relay fixture on the shared runtime, which
// dead-letters `fail: permanent` records (VALIDATION) and values it cannot decode (DESERIALIZATION).
const PERMANENT_WAVE_1 = [2, 5, 7, 11, 13, 17];
const PERMANENT_WAVE_2 = [21, 24];
const VALIDATION_IDS = [...PERMANENT_WAVE_1, ...PERMANENT_WAVE_2].map((i) => `n-${i}`).sort();

let t: RelayTopics;
let relay: ServiceProcess | undefined;
let boundary: string;
/** Replay names of this run; progress is per name and topic. */
const names = {
  dry: uniqueName('dry'),
  fix: uniqueName('validation-fix'),
  deser: uniqueName('deser'),
  deserText: uniqueName('deser-text'),
};

beforeAll(async () => {
  t = await relayTopics('dlq.cli', 3);
  const permanent = (ids: number[]) => Object.fromEntries(ids.map((i) => [i, { fail: 'permanent' }]));
  await produceNotifications(t, 20, {
    ...permanent(PERMANENT_WAVE_1),
    3: Buffer.from('not avro at all'),
    9: unknownSchemaIdBytes(),
  });
  relay = await startRelay(t);
  await relay.waitReady();
  await readTopic(t.dlq, 8, { idleMs: 500 });
  await new Promise((r) => setTimeout(r, 50));
  boundary = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 50));
  await produceNotifications(t, 10, { ...permanent(PERMANENT_WAVE_2), 26: await foreignSchemaBytes() }, 20);
  await readTopic(t.dlq, 11, { idleMs: 500 });
  relay.kill('SIGTERM');
  await relay.exited;
  relay = undefined;
});

afterAll(() => relay?.kill('SIGKILL'));
afterEach(killLeftoverClis);

describe('notify-dlq on a DLQ filled by the runtime', () => {
  it('lists the DLQ with its entry count, time span and counts by error code', async () => {
    const out = await cliJson<ListOutput>(['list', '--match', t.dlq]);
    expect(out.topics).toHaveLength(1);
    const [s] = out.topics;
    expect(s).toMatchObject({
      topic: t.dlq,
      sourceTopic: t.input,
      entries: 11,
      codes: { VALIDATION: 8, DESERIALIZATION: 3 },
    });
    expect(Date.parse(s!.oldest!)).toBeLessThan(Date.parse(boundary));
    expect(Date.parse(s!.newest!)).toBeGreaterThan(Date.parse(boundary));
  });

  it('inspects entries decoded where the schema reads them and raw where not, with every header', async () => {
    const out = await cliJson<InspectOutput>(['inspect', t.dlq]);
    expect(out).toMatchObject({ topic: t.dlq, scanned: 11, matched: 11 });
    const decoded = out.entries.filter((e) => e.decoded);
    expect(decoded.map((e) => e.decoded!.value.notification.notificationId).sort()).toEqual(VALIDATION_IDS);
    expect(decoded.every((e) => e.decoded!.schema === 'notification-accepted' && e.raw === null)).toBe(true);
    const first = decoded[0]!;
    expect(first.failure).toMatchObject({
      code: 'VALIDATION',
      sourceTopic: t.input,
      service: 'relay',
      attempt: 1,
    });
    expect(first.headers[Headers.TRACEPARENT]).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    expect(first.headers[Headers.ERROR_MESSAGE]).toMatch(/^poison n-\d+$/);
    expect(first.headers[Headers.SOURCE_OFFSET]).toMatch(/^\d+$/);

    const raw = out.entries.filter((e) => !e.decoded);
    expect(raw.map((e) => e.undecodable!.reason).sort()).toEqual([
      'incompatible-schema',
      'unknown-schema-id',
      'wrong-magic-byte',
    ]);
    const notAvro = raw.find((e) => e.undecodable!.reason === 'wrong-magic-byte')!;
    expect(Buffer.from(notAvro.raw!.base64, 'base64').toString()).toBe('not avro at all');
    expect(notAvro.raw!.hexPreview).toBe(
      Buffer.from('not avro at all')
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 '),
    );
    expect(notAvro.failure.code).toBe('DESERIALIZATION');
  });

  it('filters inspect by code, key, id, time and limit', async () => {
    const byCode = await cliJson<InspectOutput>(['inspect', t.dlq, '--code', 'DESERIALIZATION']);
    expect(byCode.matched).toBe(3);
    expect(byCode.entries.every((e) => e.failure.code === 'DESERIALIZATION')).toBe(true);

    const byKey = await cliJson<InspectOutput>(['inspect', t.dlq, '--key', 't1:u-5', '--key', 't1:u-3']);
    expect(byKey.entries.map((e) => e.key).sort()).toEqual(['t1:u-3', 't1:u-5']);

    const byId = await cliJson<InspectOutput>(['inspect', t.dlq, '--id', 'n-24,n-7']);
    expect(byId.entries.map((e) => e.decoded!.value.notification.notificationId).sort()).toEqual([
      'n-24',
      'n-7',
    ]);

    const after = await cliJson<InspectOutput>(['inspect', t.dlq, '--from', boundary]);
    const before = await cliJson<InspectOutput>(['inspect', t.dlq, '--to', boundary]);
    expect(after.matched).toBe(3);
    expect(before.matched).toBe(8);
    expect(after.entries.every((e) => Date.parse(e.failure.deadLetteredAt) >= Date.parse(boundary))).toBe(
      true,
    );

    const limited = await cliJson<InspectOutput>(['inspect', t.dlq, '--limit', '2']);
    expect(limited.matched).toBe(11);
    expect(limited.entries).toHaveLength(2);
  });

  it('prints a readable entry without --json', async () => {
    const { code, stdout } = await startCli(['inspect', t.dlq, '--id', 'n-2']).done;
    expect(code).toBe(0);
    expect(stdout).toContain('error: VALIDATION (PermanentError): poison n-2');
    expect(stdout).toContain('"notificationId": "n-2"');
    expect(stdout).toContain('1 shown, 1 matched, 11 scanned');
  });

  it('dry-runs a replay: says what would go, publishes nothing and keeps no progress', async () => {
    const inputBefore = await endOffsetTotal(t.input);
    const out = await cliJson<ReplayOutput>(['replay', t.dlq, '--dry-run', '--name', names.dry]);
    expect(out).toMatchObject({
      dryRun: true,
      outcome: 'completed',
      published: 0,
      wouldPublish: 8,
      refused: 3,
      skippedByFilter: 0,
    });
    expect(out.plannedEntries.map((e) => e.notificationId).sort()).toEqual(VALIDATION_IDS);
    expect(out.plannedEntries.every((e) => e.target === t.input)).toBe(true);
    expect(await endOffsetTotal(t.input)).toBe(inputBefore);
    expect(await committedTotal(`notify.dlq-replay.${names.dry}`, t.dlq)).toBe(0);
  });

  it('replays to the source topic keeping key and original headers, with replay count 1, once', async () => {
    const out = await cliJson<ReplayOutput>(['replay', t.dlq, '--name', names.fix, '--code', 'VALIDATION']);
    expect(out).toMatchObject({
      dryRun: false,
      outcome: 'completed',
      published: 8,
      refused: 0,
      skippedByFilter: 3,
    });

    const replayed = await replayedRecords(t.input, 30 + 8);
    expect(replayed).toHaveLength(8);
    expect(
      (
        await decodeIds(
          t,
          replayed.map((m) => m.value),
        )
      ).sort(),
    ).toEqual(VALIDATION_IDS);
    for (const m of replayed) {
      expect(headerText(m, Headers.REPLAY_COUNT)).toBe('1');
      expect(Number(headerText(m, Headers.REPLAYED_AT))).toBeGreaterThan(Date.parse(boundary));
      expect(headerText(m, Headers.TRACEPARENT)).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
      expect(Number(headerText(m, Headers.REQUESTED_AT))).toBeGreaterThan(0);
      for (const gone of [
        Headers.ERROR_CODE,
        Headers.ERROR_MESSAGE,
        Headers.ERROR_CLASS,
        Headers.SOURCE_TOPIC,
        Headers.SOURCE_OFFSET,
        Headers.ATTEMPT,
        Headers.FIRST_FAILED_AT,
        Headers.DEAD_LETTERED_AT,
        Headers.SERVICE,
      ]) {
        expect(headerText(m, gone)).toBeUndefined();
      }
      const id = (await decodeIds(t, [m.value]))[0]!;
      expect(m.key?.toString()).toBe(`t1:u-${Number(id.slice(2)) % 50}`);
    }

    // Progress covers the whole DLQ, transaction markers included, so the group shows no lag.
    expect(await committedTotal(`notify.dlq-replay.${names.fix}`, t.dlq)).toBe(await endOffsetTotal(t.dlq));

    // The same name again finds its progress at the end: nothing more goes.
    const again = await cliJson<ReplayOutput>(['replay', t.dlq, '--name', names.fix, '--code', 'VALIDATION']);
    expect(again).toMatchObject({ published: 0, refused: 0, skippedByFilter: 0, outcome: 'completed' });
    expect(await replayedRecords(t.input, 38, 1000)).toHaveLength(8);
  });

  it("refuses entries the source topic's schema cannot read, with the reason, and leaves them in the DLQ", async () => {
    const inputBefore = await endOffsetTotal(t.input);
    const out = await cliJson<ReplayOutput>([
      'replay',
      t.dlq,
      '--name',
      names.deser,
      '--code',
      'DESERIALIZATION',
    ]);
    expect(out).toMatchObject({
      published: 0,
      refused: 3,
      skippedByFilter: 8,
      refusedByReason: { 'wrong-magic-byte': 1, 'unknown-schema-id': 1, 'incompatible-schema': 1 },
    });
    const messages = out.refusedEntries.map((r) => r.message).join('\n');
    expect(messages).toMatch(/wrong magic byte 110/);
    expect(messages).toMatch(/unknown schema id 2147480000/);
    expect(messages).toMatch(/cannot be read as notification-accepted/);
    expect(await endOffsetTotal(t.input)).toBe(inputBefore);
    const list = await cliJson<ListOutput>(['list', '--match', t.dlq]);
    expect(list.topics[0]!.entries).toBe(11);

    const { code, stdout } = await startCli([
      'replay',
      t.dlq,
      '--name',
      names.deserText,
      '--code',
      'DESERIALIZATION',
    ]).done;
    expect(code).toBe(0);
    expect(stdout).toContain('refused: 3 (');
    expect(stdout).toMatch(/-> .*: wrong-magic-byte: wrong magic byte 110 \(expected 0\)/);
  });

  it('names every bad connection variable and connects to nothing', async () => {
    const { code, stderr } = await startCli(['list'], {
      KAFKA_BROKERS: undefined,
      SCHEMA_REGISTRY_URL: 'not a url',
    }).done;
    expect(code).toBe(2);
    expect(stderr).toContain('invalid configuration');
    expect(stderr).toMatch(/KAFKA_BROKERS: /);
    expect(stderr).toMatch(/SCHEMA_REGISTRY_URL: /);
  });
});
