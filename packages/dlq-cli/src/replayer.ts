import { Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { toDlqEntry, type DlqEntry } from './dlq-entry.js';
import { captureRanges, committedOffsets, readEntries } from './dlq-reader.js';
import type { EntryDecoder } from './entry-decoder.js';
import type { EntryFilter } from './filters.js';
import { PartitionRanges } from './partition-ranges.js';
import { silentProgress, type Progress } from './progress.js';
import { consumeRanges } from './range-consumer.js';
import { RateLimiter } from './rate-limiter.js';
import { ReplayPlanner, type EntryPlan } from './replay-plan.js';
import { ReplayTally, type ReplayOutcome, type ReplaySummary } from './replay-summary.js';
import { commitTransaction, ErrorCodes, isFenced, PermanentError, withTransactionRetry } from '@notify/runtime';
import { usageError } from './usage-error.js';

export interface ReplayOptions {
  /**
   * Identifies the replay: its progress lives in consumer group `notify.dlq-replay.<name>`. Required for a
   * real run; a dry run without one looks at the whole DLQ.
   */
  name?: string;
  dlqTopic: string;
  /** Publish everything here instead of each entry's source topic. */
  target?: string;
  filter: EntryFilter;
  /** At most this many entries in scope (published or refused) in this run. */
  limit?: number;
  /** Published records per second. */
  ratePerSecond?: number;
  dryRun: boolean;
  signal?: AbortSignal;
  progress?: Progress;
}

export interface ReplayerDeps {
  kafka: Kafka;
  admin: Admin;
  decoder: EntryDecoder;
  clock?: () => number;
  /** Upper bound of entries per transaction when no rate is set. */
  maxEntriesPerTransaction?: number;
}

const DEFAULT_MAX_ENTRIES_PER_TRANSACTION = 200;
const COMMITTED_SYNC_MS = 2_000; // 2 s
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Where the progress of a batch's last slice may point: past the batch's trailing transaction markers and
 * aborted records (the fetch holds them, kafkajs leaves them out), but never past the captured end.
 */
export function nextAfterBatch(lastEntry: bigint, batchLastOffset: string, end: bigint | undefined): bigint {
  let next = BigInt(batchLastOffset) + 1n;
  if (end !== undefined && next > end) next = end;
  return next > lastEntry + 1n ? next : lastEntry + 1n;
}

/**
 * kafkajs registers the transactional id only when the first transaction starts. Starting (and dropping) an
 * empty one at once fences a run with the same name that is still going and settles the open transaction of
 * one that was killed (aborted, or committed if it was already committing), so the offsets read next are
 * final.
 */
async function fenceEarlierRuns(producer: Producer): Promise<void> {
  const txn = await withTransactionRetry(() => producer.transaction());
  await txn.abort(); // nothing was added: no request is sent
}

export function replayGroupId(name: string): string {
  return `notify.dlq-replay.${name}`;
}

export function assertReplayName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw usageError('--name', 'letters, digits, ".", "_" and "-" only (1 to 200 characters)');
  }
}

/**
 * Re-publishes dead letters. A real run reads the DLQ as member of the replay's consumer group and commits,
 * batch by batch, the published records together with the group's offsets in one Kafka transaction: an
 * interrupted run resumes after its last committed batch with nothing lost and nothing published twice.
 * Entries out of scope advance the progress too. The run ends at the DLQ end offsets captured at its start.
 */
export class Replayer {
  private readonly clock: () => number;

  constructor(private readonly deps: ReplayerDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async run(options: ReplayOptions): Promise<ReplaySummary> {
    if (options.name !== undefined || !options.dryRun) {
      if (options.name === undefined)
        throw usageError('--name', "is required: it keeps the replay's progress");
      assertReplayName(options.name);
    }
    if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0)) {
      throw usageError('--limit', 'must be a positive integer');
    }
    return options.dryRun ? this.dryRun(options) : this.replay({ ...options, name: options.name! });
  }

  private async planner(options: ReplayOptions): Promise<ReplayPlanner> {
    const existingTopics = new Set(await this.deps.admin.listTopics());
    return new ReplayPlanner(this.deps.decoder, {
      filter: options.filter,
      existingTopics,
      clock: this.clock,
      ...(options.target ? { target: options.target } : {}),
    });
  }

  /** Reads from the replay's committed progress without joining its group or committing anything. */
  private async dryRun(options: ReplayOptions): Promise<ReplaySummary> {
    const started = this.clock();
    const { kafka, admin } = this.deps;
    const progress = options.progress ?? silentProgress;
    const planner = await this.planner(options);
    const tally = new ReplayTally(true);
    const committed =
      options.name === undefined
        ? new Map<number, bigint>()
        : await committedOffsets(admin, replayGroupId(options.name), options.dlqTopic);
    let outcome: ReplayOutcome = 'completed';
    try {
      await readEntries(
        kafka,
        admin,
        [options.dlqTopic],
        async (entry) => {
          const plan = await planner.plan(entry);
          tally.add(entry, plan);
          if (options.limit !== undefined && plan.kind !== 'skip' && tally.matched >= options.limit) {
            outcome = 'limit-reached';
            return false;
          }
          return true;
        },
        {
          start: new Map([[options.dlqTopic, committed]]),
          onProgress: ({ done, total }) => progress.update(done, total, tally.brief()),
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
    } finally {
      progress.stop();
    }
    if (options.signal?.aborted && outcome === 'completed') outcome = 'interrupted';
    return tally.summary(options.name ?? null, options.dlqTopic, outcome, this.clock() - started);
  }

  private async replay(options: ReplayOptions & { name: string }): Promise<ReplaySummary> {
    const started = this.clock();
    const { kafka, admin } = this.deps;
    const progress = options.progress ?? silentProgress;
    const groupId = replayGroupId(options.name);
    const producer = kafka.producer({
      transactionalId: groupId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner, // the Java client's murmur2: same key, same partition
    });
    const tally = new ReplayTally(false);
    let outcome: ReplayOutcome = 'completed';
    let failure: unknown;
    try {
      await producer.connect();
      await fenceEarlierRuns(producer);
      const planner = await this.planner(options);
      const committed = await committedOffsets(admin, groupId, options.dlqTopic);
      const ranges = new PartitionRanges(await captureRanges(admin, options.dlqTopic, committed));
      const limiter = new RateLimiter(options.ratePerSecond, this.clock);
      const sliceSize = RateLimiter.sliceSize(
        options.ratePerSecond,
        this.deps.maxEntriesPerTransaction ?? DEFAULT_MAX_ENTRIES_PER_TRANSACTION,
      );
      const report = () => {
        const { done, total } = ranges.progress();
        progress.update(done, total, tally.brief());
      };
      report();

      // Everything below the group's committed offsets is done, by this run or an earlier one. Following them
      // keeps a partition whose consumer starts past the offsets read above (a predecessor's last commit that
      // became visible late) from being waited for forever.
      const syncTimer = setInterval(() => {
        committedOffsets(admin, groupId, options.dlqTopic)
          .then((now) => {
            for (const [partition, offset] of now) ranges.advance(options.dlqTopic, partition, offset);
            report();
          })
          .catch(() => undefined); // the next tick tries again
      }, COMMITTED_SYNC_MS);

      await consumeRanges({
        kafka,
        groupId,
        topics: [options.dlqTopic],
        ranges,
        ...(options.signal ? { signal: options.signal } : {}),
        handle: async ({ topic, partition, messages, payload }) => {
          for (let i = 0; i < messages.length; i += sliceSize) {
            if (options.signal?.aborted) return 'stop';
            if (!payload.isRunning() || payload.isStale()) return 'partial';
            let limitReached = false;
            try {
              const slice: Array<{ entry: DlqEntry; plan: EntryPlan }> = [];
              let matched = tally.matched;
              for (const message of messages.slice(i, i + sliceSize)) {
                const entry = toDlqEntry(topic, partition, message);
                const plan = await planner.plan(entry);
                slice.push({ entry, plan });
                if (plan.kind !== 'skip') matched++;
                if (options.limit !== undefined && matched >= options.limit) {
                  limitReached = true;
                  break;
                }
              }
              const toPublish = slice.flatMap(({ plan }) => (plan.kind === 'publish' ? [plan] : []));
              await limiter.acquire(toPublish.length);
              const last = slice[slice.length - 1]!.entry.offset;
              const lastOfBatch = !limitReached && i + sliceSize >= messages.length;
              const next = lastOfBatch
                ? nextAfterBatch(BigInt(last), payload.batch.lastOffset(), ranges.endOf(topic, partition))
                : BigInt(last) + 1n;
              await this.commitSlice(producer, groupId, topic, partition, next, toPublish);
              for (const { entry, plan } of slice) tally.add(entry, plan);
              ranges.advance(topic, partition, next);
              payload.resolveOffset(last);
              report();
            } catch (err) {
              failure = err;
              return 'stop';
            }
            if (limitReached) {
              outcome = 'limit-reached';
              return 'stop';
            }
            // A rebalance (another run joining, say) surfaces here: kafkajs rejoins and fetches again from the
            // committed progress, which already holds everything done so far.
            await payload.heartbeat();
          }
          return 'handled';
        },
      }).finally(() => clearInterval(syncTimer));
      if (failure === undefined && outcome === 'completed' && !ranges.allDone) outcome = 'interrupted';
      report();
    } finally {
      progress.stop();
      await producer.disconnect().catch(() => undefined);
    }
    if (failure !== undefined) {
      if (isFenced(failure)) {
        throw new PermanentError(
          ErrorCodes.INTERNAL,
          `replay "${options.name}" was taken over by another run with the same name`,
          { cause: failure },
        );
      }
      throw failure;
    }
    return tally.summary(options.name, options.dlqTopic, outcome, this.clock() - started);
  }

  private async commitSlice(
    producer: Producer,
    groupId: string,
    topic: string,
    partition: number,
    nextOffset: bigint,
    plans: Array<Extract<EntryPlan, { kind: 'publish' }>>,
  ): Promise<void> {
    const byTarget = new Map<string, Message[]>();
    for (const p of plans) byTarget.set(p.target, [...(byTarget.get(p.target) ?? []), p.message]);
    await commitTransaction(producer, {
      topicMessages: [...byTarget].map(([t, messages]) => ({ topic: t, messages })),
      offsets: { consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: nextOffset.toString() }] }] },
    });
  }
}
