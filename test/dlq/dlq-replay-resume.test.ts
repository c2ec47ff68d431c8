import { Headers } from '@notify/runtime';
import { dlqTopicName, recipientKey } from '@notify/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acceptedSpec,
  createTopics,
  headerText,
  produce,
  readTopic,
  sampleNotification,
  testSerde,
  waitFor,
} from '../support/kafka.js';
import { uniqueName } from '../support/stack-env.js';
import { duplicates } from '../runtime/relay-harness.js';
import { committedTotal, killLeftoverClis, startCli } from './dlq-harness.js';

afterEach(killLeftoverClis);

const ENTRIES = 60;
/** Every sixth entry failed with another code: out of the replay's scope. */
const inScope = (i: number) => i % 6 !== 5;
const IN_SCOPE = Array.from({ length: ENTRIES }, (_, i) => i).filter(inScope);

/** Dead letters written directly, with the headers the runtime puts on them. */
async function fillDlq(source: string, dlq: string): Promise<void> {
  const spec = acceptedSpec(source);
  const serde = await testSerde([spec]);
  const now = Date.now();
  await produce(
    dlq,
    Array.from({ length: ENTRIES }, (_, i) => {
      const n = sampleNotification(i);
      const code = inScope(i) ? 'VALIDATION' : 'NOT_FOUND';
      return {
        key: recipientKey(n),
        value: serde.encode(spec, { notification: n }),
        headers: {
          [Headers.TRACEPARENT]: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`,
          [Headers.REQUESTED_AT]: String(now),
          [Headers.ERROR_CODE]: code,
          [Headers.ERROR_CLASS]: code === 'VALIDATION' ? 'ValidationError' : 'NotFoundError',
          [Headers.ERROR_MESSAGE]: `failed ${n.notificationId}`,
          [Headers.ERROR_RETRIABLE]: 'false',
          [Headers.SOURCE_TOPIC]: source,
          [Headers.SOURCE_PARTITION]: String(i % 3),
          [Headers.SOURCE_OFFSET]: String(i),
          [Headers.SERVICE]: 'enrichment',
          [Headers.ATTEMPT]: '1',
          [Headers.FIRST_FAILED_AT]: String(now),
          [Headers.DEAD_LETTERED_AT]: String(now),
        },
      };
    }),
  );
}

async function replayedIds(source: string, expected: number, idleMs: number): Promise<string[]> {
  const serde = await testSerde([acceptedSpec(source)]);
  const records = await readTopic(source, expected, {
    idleMs,
    timeoutMs: expected === 0 ? idleMs + 1000 : 90_000,
  });
  const ids: string[] = [];
  for (const m of records) {
    expect(headerText(m, Headers.REPLAY_COUNT)).toBe('1');
    ids.push(
      (await serde.decode<{ notification: { notificationId: string } }>('notification-accepted', m.value))
        .notification.notificationId,
    );
  }
  return ids;
}

describe('notify-dlq replay: interrupted and resumed', () => {
  it('publishes every matching entry exactly once across a SIGKILL mid-run and a restart with the same --name', async () => {
    const source = uniqueName('dlq.resume.in');
    const dlq = dlqTopicName(source);
    await createTopics([source, dlq], 3);
    await fillDlq(source, dlq);
    const name = uniqueName('resume');
    const group = `notify.dlq-replay.${name}`;
    const args = ['replay', dlq, '--name', name, '--code', 'VALIDATION', '--json'];

    // Rate-limited to 8 records a second, the run takes several seconds: kill it once two batches committed.
    const first = startCli([...args, '--rate', '8']);
    await waitFor(
      async () => (await committedTotal(group, dlq)) >= 16,
      60_000,
      'the first batches to commit',
    );
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toBe('');

    const progressAtKill = await committedTotal(group, dlq);
    expect(progressAtKill).toBeLessThan(ENTRIES);
    const publishedBeforeKill = await replayedIds(source, 1, 2000);
    expect(publishedBeforeKill.length).toBeGreaterThan(0);
    expect(publishedBeforeKill.length).toBeLessThan(IN_SCOPE.length);

    const second = await startCli(args).done;
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout) as {
      outcome: string;
      published: number;
      refused: number;
      skippedByFilter: number;
    };
    expect(summary.outcome).toBe('completed');
    expect(summary.refused).toBe(0);
    expect(summary.published).toBe(IN_SCOPE.length - publishedBeforeKill.length);

    const ids = await replayedIds(source, IN_SCOPE.length, 3000);
    expect(duplicates(ids)).toEqual([]);
    expect(ids.sort()).toEqual(IN_SCOPE.map((i) => `n-${i}`).sort());
    expect(await committedTotal(group, dlq)).toBe(ENTRIES);
  });
  it('lets a second run with the same name take over: the first stops, every entry goes once', async () => {
    const source = uniqueName('dlq.takeover.in');
    const dlq = dlqTopicName(source);
    await createTopics([source, dlq], 3);
    await fillDlq(source, dlq);
    const name = uniqueName('takeover');
    const args = ['replay', dlq, '--name', name, '--code', 'VALIDATION', '--json'];

    const first = startCli([...args, '--rate', '8']);
    await waitFor(
      async () => (await committedTotal(`notify.dlq-replay.${name}`, dlq)) >= 16,
      60_000,
      'the first batches to commit',
    );
    const second = await startCli(args).done;
    const firstDone = await first.done;
    expect(second.code, second.stderr).toBe(0);
    expect(firstDone.code).toBe(1);
    expect(firstDone.stderr).toContain(`replay "${name}" was taken over by another run with the same name`);

    const summary = JSON.parse(second.stdout) as { outcome: string; published: number };
    expect(summary.outcome).toBe('completed');
    const ids = await replayedIds(source, IN_SCOPE.length, 3000);
    expect(duplicates(ids)).toEqual([]);
    expect(ids.sort()).toEqual(IN_SCOPE.map((i) => `n-${i}`).sort());
    expect(summary.published).toBeLessThan(IN_SCOPE.length);
  });
});
