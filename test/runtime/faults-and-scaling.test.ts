import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka, readTopic, waitFor } from '../support/kafka.js';
import type { ServiceProcess } from '../support/service-process.js';
import { decodeIds, duplicates, produceNotifications, relayTopics, startRelay, type RelayTopics } from './relay-harness.js';

let running: ServiceProcess[] = [];
afterEach(async () => {
  for (const p of running) p.kill('SIGKILL');
  running = [];
});

async function committedCount(topic: string, groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function endOffsets(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

function expectExactlyOnce(ids: string[], count: number): void {
  expect(duplicates(ids)).toEqual([]);
  expect(new Set(ids)).toEqual(new Set(Array.from({ length: count }, (_, i) => `n-${i}`)));
}

/** Runs a relay that must stop on its own with exit code 1; returns its log. */
async function runUntilItGivesUp(t: RelayTopics, env: Record<string, string>): Promise<string> {
  const relay = await startRelay(t, { SHUTDOWN_GRACE_MS: '2000', ...env });
  running.push(relay);
  await relay.waitReady();
  const { code } = await relay.exited;
  expect(code).toBe(1);
  return fs.readFileSync(relay.logFile, 'utf8');
}

/** A fresh relay delivers every one of the `count` records exactly once. */
async function freshRelayDeliversAllOnce(t: RelayTopics, count: number): Promise<void> {
  const next = await startRelay(t);
  running.push(next);
  await next.waitReady();
  const out = await readTopic(t.output, count, { idleMs: 3000, timeoutMs: 60_000 });
  expectExactlyOnce(await decodeIds(t, out.map((m) => m.value)), count);
}

describe('stream runtime: crashes, scaling and shutdown', () => {
  it('loses and duplicates nothing when killed with SIGKILL mid-stream and restarted', async () => {
    const t = await relayTopics('rt.kill');
    const total = 3000;
    await produceNotifications(t, total);
    const env = { TEST_RECORD_DELAY_MS: '2', TRANSACTION_MAX_RECORDS: '50' };
    const first = await startRelay(t, env);
    running.push(first);
    await first.waitReady();
    await waitFor(async () => (await committedCount(t.input, t.groupId)) >= total / 4, 60_000, 'a quarter processed');
    first.kill('SIGKILL');
    await first.exited;
    const processedBeforeKill = await committedCount(t.input, t.groupId);
    expect(processedBeforeKill).toBeLessThan(total);

    const second = await startRelay(t, env);
    running.push(second);
    await second.waitReady();
    const out = await readTopic(t.output, total, { idleMs: 4000, timeoutMs: 120_000 });
    expectExactlyOnce(await decodeIds(t, out.map((m) => m.value)), total);
  });

  it('splits partitions across two instances and survives going 1 → 2 → 1 mid-stream', async () => {
    const t = await relayTopics('rt.scale', 6);
    const total = 3000;
    const more = 1200;
    await produceNotifications(t, total);
    // One partition at a time and a slow handler, so the stream is still flowing when b joins and a leaves.
    const env = { TEST_RECORD_DELAY_MS: '4', TRANSACTION_MAX_RECORDS: '50', TEST_PARTITIONS: '6', PARTITIONS_CONCURRENCY: '1' };
    const a = await startRelay(t, { ...env, INSTANCE_ID: 'scale-a' });
    running.push(a);
    await a.waitReady();
    await waitFor(async () => (await committedCount(t.input, t.groupId)) >= 500, 60_000, 'first records processed');

    const b = await startRelay(t, { ...env, INSTANCE_ID: 'scale-b' });
    running.push(b);
    await b.waitReady();
    // On a loaded machine a can finish the first batch before b has joined; more records on every partition
    // leave b something to process whatever it is assigned.
    await produceNotifications(t, more, {}, total);
    // Both members get partitions: each one's lag gauges cover only its own assignment.
    await waitFor(async () => /notify_records_processed_total\{[^}]*outcome="success"[^}]*\} [1-9]/.test(await b.metrics()), 60_000, 'b to process records');

    a.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);

    const out = await readTopic(t.output, total + more, { idleMs: 4000, timeoutMs: 120_000 });
    expectExactlyOnce(await decodeIds(t, out.map((m) => m.value)), total + more);
  });

  it('restarts when a handler never returns, and the next owner of the partition processes the slice', async () => {
    const t = await relayTopics('rt.stall', 1);
    await produceNotifications(t, 20, { 7: { hang: 'true' } });
    const log = await runUntilItGivesUp(t, { TEST_HANG: 'true', SLICE_STALL_MS: '3000', TRANSACTION_MAX_RECORDS: '5' });
    expect(log).toMatch(/slice stalled/);
    expect(log).toMatch(/"inFlight":\["7"\]/);
    // The slice holding the stuck record was never committed: a new instance processes it.
    await freshRelayDeliversAllOnce(t, 20);
  });

  it('does not take a long slice of a batch handler whose records keep finishing for a stalled one', async () => {
    const t = await relayTopics('rt.progress', 1);
    await produceNotifications(t, 20);
    // One slice of 20 records at 250 ms each: 5 s, well past the stall limit, with a record done every 250 ms.
    const relay = await startRelay(t, { TEST_BATCH: 'true', TEST_RECORD_DELAY_MS: '250', SLICE_STALL_MS: '2000', TRANSACTION_MAX_RECORDS: '20' });
    running.push(relay);
    await relay.waitReady();
    const out = await readTopic(t.output, 20, { idleMs: 3000, timeoutMs: 60_000 });
    expectExactlyOnce(await decodeIds(t, out.map((m) => m.value)), 20);
    expect(relay.child.exitCode).toBeNull();
    expect(fs.readFileSync(relay.logFile, 'utf8')).not.toMatch(/slice stalled/);
  });

  it('restarts when a store stays unavailable, and a fresh instance processes everything once', async () => {
    const t = await relayTopics('rt.outage', 1);
    await produceNotifications(t, 20);
    const log = await runUntilItGivesUp(t, { TEST_STORE_DOWN: 'true', DEPENDENCY_OUTAGE_RESTART_MS: '3000' });
    expect(log).toMatch(/unavailable too long/);
    expect(await committedCount(t.input, t.groupId)).toBe(0);
    await freshRelayDeliversAllOnce(t, 20);
  });

  it('fences a member paused past its session timeout: after SIGCONT its commit is refused, it rejoins, and nothing is lost or doubled', async () => {
    const t = await relayTopics('rt.zombie', 3);
    const total = 300;
    await produceNotifications(t, total);
    // Slices of 20 records at 100 ms each: a pause lands in the middle of a slice, outputs not yet committed.
    const env = { TEST_RECORD_DELAY_MS: '100', TRANSACTION_MAX_RECORDS: '20', KAFKA_SESSION_TIMEOUT_MS: '6000' };
    // One partition's slice at a time: the others' batches, fetched before the pause, start after it.
    const zombie = await startRelay(t, { ...env, INSTANCE_ID: 'zombie-a', TEST_LOG_ASSIGNMENT: 'true', PARTITIONS_CONCURRENCY: '1' });
    running.push(zombie);
    await zombie.waitReady();
    await waitFor(async () => (await committedCount(t.input, t.groupId)) >= 40, 60_000, 'first slices committed');
    await new Promise((r) => setTimeout(r, 700));
    zombie.kill('SIGSTOP');
    const committedAtPause = await committedCount(t.input, t.groupId);

    // The partition moves on once the paused member's session has expired, and the new owner goes ahead.
    const owner = await startRelay(t, { ...env, INSTANCE_ID: 'zombie-b' });
    running.push(owner);
    await owner.waitReady();
    await waitFor(async () => (await committedCount(t.input, t.groupId)) >= committedAtPause + 40, 60_000, 'the new owner to commit');

    // Woken up, the paused member finishes its slice and tries to commit it: refused. It drops the slice
    // and rejoins the group as an ordinary member, instead of exiting.
    zombie.kill('SIGCONT');
    await waitFor(async () => /transaction refused: group generation over or producer fenced/.test(fs.readFileSync(zombie.logFile, 'utf8')), 60_000, 'the woken member to be fenced');
    await waitFor(async () => (fs.readFileSync(zombie.logFile, 'utf8').match(/joined consumer group/g) ?? []).length >= 2, 60_000, 'the woken member to rejoin');
    expect(zombie.child.exitCode).toBeNull();
    // From the moment it noticed its pause until it joined again, every record it handled, whether of the
    // slice it was in or of one begun after waking, was known not to be its own any more.
    const lines = fs
      .readFileSync(zombie.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; assigned?: boolean });
    const noticed = lines.findIndex((l) => /stood still past its session timeout/.test(l.msg));
    expect(noticed).toBeGreaterThan(0);
    const rejoined = lines.findIndex((l, i) => i > noticed && l.msg === 'joined consumer group');
    const whileAway = lines.slice(noticed, rejoined).filter((l) => l.msg === 'relayed');
    expect(whileAway.filter((l) => l.assigned)).toEqual([]);

    const out = await readTopic(t.output, total, { idleMs: 4000, timeoutMs: 120_000 });
    expectExactlyOnce(await decodeIds(t, out.map((m) => m.value)), total);
  });

  it('exits 0 on SIGTERM within the grace period with its offsets committed', async () => {
    const t = await relayTopics('rt.term');
    const total = 2000;
    await produceNotifications(t, total);
    const relay = await startRelay(t, { TEST_RECORD_DELAY_MS: '2', TRANSACTION_MAX_RECORDS: '100', SHUTDOWN_GRACE_MS: '10000' });
    running.push(relay);
    await relay.waitReady();
    await waitFor(async () => (await committedCount(t.input, t.groupId)) >= 300, 60_000, 'records processed');

    const signalledAt = Date.now();
    relay.kill('SIGTERM');
    const { code } = await relay.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);

    // Everything processed was committed together with its outputs: the committed offsets account for
    // exactly the records on the output topic.
    const committed = await committedCount(t.input, t.groupId);
    expect(committed).toBeGreaterThanOrEqual(300);
    expect(await endOffsets(t.output)).toBeGreaterThanOrEqual(committed);
    const out = await readTopic(t.output, committed, { idleMs: 2000 });
    expect(out).toHaveLength(committed);
  });
});
