import { retryTopicName, type SchemaValueTypes, type TopicSpec } from '@notify/schemas';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { AvroSerde } from './avro-serde.js';
import { ErrorCodes, toFailure, TransientError, type NotifyError } from './errors.js';
import { Headers, readHeaders, type HeaderMap } from './headers.js';
import { mapByKey } from './keyed-concurrency.js';
import type { RuntimeMetrics } from './metrics.js';
import { PartitionGate, splitDue } from './partition-gate.js';
import type { InputRecord, Output, ProcessorDefinition, RecordContext } from './processor.js';
import { retryStep } from './retry-step.js';
import { SliceBlockedError, sliceOutcome, type EvaluatedRecord, type RecordFate } from './slice-outcome.js';
import { PauseDetector } from './pause-detector.js';
import { StallWatchdog } from './stall-watchdog.js';
import { childTraceparent, parseTraceparent } from './trace-context.js';
import { MemberTransactions } from './member-transactions.js';
import type { GroupMembership } from './transaction-batcher.js';
import { isFenced, isGenerationRefused } from './transaction-retry.js';

export interface StreamProcessorOptions {
  service: string;
  kafka: Kafka;
  serde: AvroSerde;
  logger: Logger;
  metrics: RuntimeMetrics;
  retryDelaysMs: readonly number[];
  /** Records per slice: a fetched batch of one partition larger than this is committed in parts. */
  maxRecordsPerTransaction: number;
  /**
   * Names this member's transactional producer, `<group>|<instanceId>`: unique among the live members of
   * the group, and the same for a restarted incarnation so it fences the one before.
   */
  instanceId: string;
  /** The broker aborts a transaction left open this long (its producer crashed or stalled). */
  transactionTimeoutMs: number;
  /** The longest a ready slice waits for the member's other slices before their shared transaction starts. */
  transactionLingerMs: number;
  /** Consumer group session timeout; heartbeats go at a tenth of it. */
  sessionTimeoutMs?: number;
  /** Broker-side fetch sizing: wait up to `maxWaitTimeInMs` for `minBytes` of records, return at most `maxBytes`. */
  fetch?: { minBytes: number; maxWaitTimeInMs: number; maxBytes?: number };
  /** Partitions processed at the same time; their slices share transactions. */
  partitionsConcurrency?: number;
  /** Called when the processor cannot go on (a stalled slice, a dependency down too long); the service should exit. */
  onFatal: (err: Error) => void;
  /** A slice none of whose records finished for this long is a stall: the service restarts. */
  sliceStallMs?: number;
  /** Slices failing for an unavailable dependency this long, none committed meanwhile: the service restarts. */
  dependencyOutageRestartMs?: number;
  clock?: () => number;
}

const DEFAULT_SESSION_TIMEOUT_MS = 30_000; // 30 s
const DEFAULT_SLICE_STALL_MS = 120_000; // 2 min
const DEFAULT_DEPENDENCY_OUTAGE_RESTART_MS = 60_000; // 1 min

/**
 * The one Kafka processing loop. It owns fetch, decode, retries, dead letters, transactions, offsets and
 * metrics, and calls the processor's handler with decoded values only.
 *
 * Exactly-once: the records of one partition that one fetch returned (in slices of at most
 * `maxRecordsPerTransaction`) are evaluated together, and the slices of all the member's partitions that
 * are ready together share one Kafka transaction (TransactionBatcher) holding their outputs, retry/DLQ
 * records and consumer offsets. A fetch waits on the broker for `fetch.minBytes` up to
 * `fetch.maxWaitTimeInMs`, so a transaction holds what arrived in that interval across the member's
 * partitions: many records under load, a few with a bounded wait when idle.
 *
 * Fencing (KIP-447): offsets are committed with the group generation and member id the records were
 * fetched under, and the group coordinator refuses them once that generation is over, so a member that
 * lost its partitions (paused past its session timeout, cut off) cannot commit for them: its transaction
 * aborts, nothing of it is visible, and the member rejoins. The partition's next owner reads committed
 * offsets as stable only, so it waits for a transaction that was committing them to end before it
 * starts. A crashed member's open transaction is aborted by the broker after `transactionTimeoutMs`;
 * a restarted incarnation with the same instance id aborts it at once.
 *
 * A failure of our own infrastructure (a store or the registry down, the transaction refused) aborts the
 * slices and backs their partitions off, so nothing advances until it passes; a failure of one record
 * goes to its retry tier or the DLQ and the rest moves on.
 */
export class StreamProcessor<S extends keyof SchemaValueTypes> {
  private consumer?: Consumer;
  /** Exactly-once: the member's transactional producer and the transactions its slices share. */
  private transactions?: MemberTransactions;
  /** The group generation the member joined last: records fetched now commit under it. */
  private membership?: GroupMembership;
  /** At-least-once: idempotent producers, one per concurrently processed partition. */
  private plainProducers: Producer[] = [];
  private readonly idle: Producer[] = [];
  private readonly waiting: Array<(p: Producer) => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly gate: PartitionGate;
  private joined = false;
  /**
   * When the member last joined its group (a PauseDetector mark). A pause past the session timeout after
   * it means the group has moved on without this member, whatever it fetches next, until it joins again.
   */
  private joinMark = Number.NEGATIVE_INFINITY;
  /** Set when stop() begins: no slice starts after it, so a shutdown only waits for the ones in flight. */
  private stopping = false;
  private held = false;
  private holdTimer?: NodeJS.Timeout;
  private readonly watchdog: StallWatchdog;
  private readonly pauses: PauseDetector;
  private readonly clock: () => number;
  readonly groupId: string;
  private readonly eos: boolean;
  private readonly log: Logger;
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;

  constructor(
    readonly definition: ProcessorDefinition<S>,
    private readonly opts: StreamProcessorOptions,
  ) {
    const def = definition;
    this.clock = opts.clock ?? Date.now;
    this.groupId = def.groupId ?? `notify.${def.name}`;
    this.eos = (def.delivery ?? 'exactly-once') === 'exactly-once';
    this.log = opts.logger.child({ processor: def.name });
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.heartbeatIntervalMs = Math.round(this.sessionTimeoutMs / 10);
    this.pauses = new PauseDetector(this.sessionTimeoutMs, undefined, (stoodStillMs) =>
      this.log.warn({ stoodStillMs: Math.round(stoodStillMs) }, 'this process stood still past its session timeout: work of slices begun before is not sent on'),
    );
    this.gate = new PartitionGate({ outageRestartMs: opts.dependencyOutageRestartMs ?? DEFAULT_DEPENDENCY_OUTAGE_RESTART_MS });
    this.watchdog = new StallWatchdog(opts.sliceStallMs ?? DEFAULT_SLICE_STALL_MS, (stall) => {
      this.log.error({ ...stall }, 'slice stalled: no record finished; restarting so the partition is processed again');
      opts.onFatal(new TransientError(ErrorCodes.INTERNAL, `slice of ${stall.partition} stalled for ${stall.idleMs} ms (offsets in flight: ${stall.inFlight.join(', ') || 'none'})`));
    });
  }

  /** Input topic, then its retry tiers. */
  get inputTopics(): string[] {
    return [this.definition.input.name, ...this.opts.retryDelaysMs.map((_, i) => retryTopicName(this.definition.input.name, i + 1))];
  }

  isReady(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    const { kafka, metrics, service } = this.opts;
    this.pauses.start();
    const concurrency = Math.max(1, this.opts.partitionsConcurrency ?? 1);
    if (this.eos) {
      this.transactions = new MemberTransactions({
        kafka,
        transactionalId: `${this.groupId}|${this.opts.instanceId}`,
        consumerGroupId: this.groupId,
        timeoutMs: this.opts.transactionTimeoutMs,
        lingerMs: this.opts.transactionLingerMs,
        clock: this.clock,
        log: this.log,
        metrics,
        service,
      });
      await this.transactions.start();
    } else {
      this.plainProducers = Array.from({ length: concurrency }, () => kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
      for (const p of this.plainProducers) await p.connect();
      this.idle.push(...this.plainProducers);
    }
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      minBytes: this.opts.fetch?.minBytes ?? 1,
      maxWaitTimeInMs: this.opts.fetch?.maxWaitTimeInMs ?? 250,
      ...(this.opts.fetch?.maxBytes ? { maxBytes: this.opts.fetch.maxBytes, maxBytesPerPartition: Math.min(this.opts.fetch.maxBytes, 1_048_576) } : {}),
      // Patient enough for a broker that is still loading its coordinators (a fresh or restarted broker
      // answers "group coordinator not available" for tens of seconds): 0.5 s doubling to 30 s, about 2.5 min.
      retry: { retries: 10, initialRetryTime: 500, maxRetryTime: 30_000 },
    });
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT, REBALANCING } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      this.joined = true;
      this.joinMark = this.pauses.mark();
      this.membership = { generationId: e.payload.generationId, memberId: e.payload.memberId };
      metrics.groupJoined.set({ service }, 1);
      this.log.info({ memberAssignment: e.payload.memberAssignment }, 'joined consumer group');
    });
    this.consumer.on(REBALANCING, () => this.log.info('rebalancing'));
    for (const ev of [CRASH, STOP, DISCONNECT]) {
      this.consumer.on(ev, () => {
        this.joined = false;
        metrics.groupJoined.set({ service }, 0);
      });
    }
    this.consumer.on(CRASH, (e) => {
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      if (!e.payload.restart) this.opts.onFatal(e.payload.error);
    });

    await this.consumer.connect();
    // Topics another replica has just created may not be in the broker's metadata yet.
    const consumer = this.consumer;
    await retryStep('subscribe', () => consumer.subscribe({ topics: this.inputTopics, fromBeginning: true }), this.log);
    if (this.definition.holdReason) this.startHoldWatch();
    this.watchdog.start();
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Pauses every input partition while the hold reason stands, resumes when it clears. */
  private startHoldWatch(): void {
    const check = () => {
      const reason = this.definition.holdReason?.();
      const topics = this.inputTopics.map((topic) => ({ topic }));
      if (reason && !this.held) {
        this.held = true;
        this.consumer?.pause(topics);
        this.log.warn({ reason }, 'holding: input paused');
      } else if (!reason && this.held) {
        this.held = false;
        this.consumer?.resume(topics);
        this.log.info('hold released: input resumed');
      }
    };
    this.holdTimer = setInterval(check, 1_000);
    this.holdTimer.unref();
  }

  /** Stops fetching, lets the in-flight slice commit or abort, leaves the group, closes clients. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.watchdog.stop();
    this.pauses.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.consumer?.disconnect();
    await this.transactions?.close();
    for (const p of this.plainProducers) await p.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    // A member shutting down starts no work: the group is handing its partitions on.
    if (this.stopping) return;
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause } = payload;
    const { metrics, service } = this.opts;
    const endTimer = metrics.batchDuration.startTimer({ service });
    const partitionKey = `${batch.topic}:${batch.partition}`;
    const due = batch.topic === this.definition.input.name ? { ready: batch.messages } : splitDue(batch.messages, this.clock());
    const ready = due.ready;
    let pauseUntil = due.pauseUntil;
    const membership = this.membership;

    try {
      for (let i = 0; i < ready.length; i += this.opts.maxRecordsPerTransaction) {
        if (!isRunning() || isStale() || this.stopping) return;
        // A hold that started mid-batch: leave the rest unresolved; it is fetched again on resume.
        if (this.definition.holdReason?.()) return;
        const slice = ready.slice(i, i + this.opts.maxRecordsPerTransaction);
        // A slice can outlast the session timeout when its handler waits on a slow store: without
        // heartbeats in between, the group evicts this member and the slice's commit is refused.
        const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), this.heartbeatIntervalMs);
        this.watchdog.sliceStarted(partitionKey);
        try {
          await this.processSlice(batch.topic, batch.partition, slice, membership);
        } finally {
          clearInterval(keepAlive);
          this.watchdog.sliceEnded(partitionKey);
        }
        resolveOffset(slice[slice.length - 1]!.offset);
        this.gate.committed(partitionKey);
        await heartbeat();
      }
    } catch (err) {
      const failure = err instanceof SliceBlockedError ? err.failure : toFailure(err);
      if (isGenerationRefused(err) || isFenced(err)) {
        // The group's generation moved on (this member finds out at its next heartbeat and rejoins), or the
        // broker aborted the transaction and bumped the producer's epoch: nothing of the slice was committed.
        this.log.warn({ err: failure, topic: batch.topic, partition: batch.partition }, 'transaction refused: group generation over or producer fenced');
        pauseUntil = this.clock() + this.heartbeatIntervalMs;
      } else {
        const verdict = this.gate.failed(partitionKey, failure);
        if (verdict.kind === 'restart') {
          this.log.error({ err: failure, outageMs: verdict.outageMs }, 'a dependency has been unavailable too long; restarting');
          this.opts.onFatal(new TransientError(ErrorCodes.DEPENDENCY_UNAVAILABLE, `unavailable for ${verdict.outageMs} ms: ${failure.message}`, { cause: failure }));
          return;
        }
        // Nothing of the failed slice was committed: back off, then re-fetch from the last committed record.
        this.log.warn({ err: failure, topic: batch.topic, partition: batch.partition, delayMs: verdict.delayMs }, 'slice aborted; backing off');
        pauseUntil = this.clock() + verdict.delayMs;
      }
    } finally {
      endTimer();
    }

    if (pauseUntil !== undefined && isRunning() && !isStale()) {
      const resume = pause();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resume();
      }, Math.max(0, pauseUntil - this.clock()));
      this.timers.add(timer);
    }
  }

  private async processSlice(topic: string, partition: number, messages: KafkaMessage[], membership: GroupMembership | undefined): Promise<void> {
    const transactions = this.transactions;
    if (transactions && !membership) throw new TransientError(ErrorCodes.INTERNAL, 'records fetched before the member joined its group');
    transactions?.begin();
    let outcome: ReturnType<typeof sliceOutcome>;
    let now = 0;
    try {
      const evaluated = await this.evaluate(topic, partition, messages, this.pauses.mark());
      const at = (now = this.clock());
      outcome = sliceOutcome(evaluated, {
        source: { topic, partition, service: this.opts.service },
        inputTopic: this.definition.input.name,
        retryDelaysMs: this.opts.retryDelaysMs,
        now: at,
        encode: (rec, outputs) => this.encodeOutputs(rec, outputs, at),
        deadLetterOutputs: (rec, failure) => this.deadLetterOutputs(rec, failure),
      });
    } catch (err) {
      transactions?.abandon();
      throw err;
    }
    const nextOffset = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
    if (transactions) {
      await transactions.submit({ membership: membership!, records: messages.length, topicMessages: outcome.topicMessages, offsets: [{ topic, partition, offset: nextOffset }] });
    } else {
      await this.commitAtLeastOnce(topic, partition, nextOffset, outcome.topicMessages);
      this.opts.metrics.transactionRecords.observe({ service: this.opts.service }, messages.length);
    }
    for (const fate of outcome.fates) this.account(fate, topic, partition, now);
  }

  /** Metrics and logs of a record whose slice committed. */
  private account(fate: RecordFate, topic: string, partition: number, now: number): void {
    const { metrics, service } = this.opts;
    switch (fate.kind) {
      case 'produced':
        metrics.processed.inc({ service, topic, outcome: 'success' });
        if (fate.requestedAt !== undefined && fate.outputs > 0) {
          metrics.e2eLatency.observe({ service, stage: this.definition.name }, (now - fate.requestedAt) / 1000);
        }
        return;
      case 'retry':
        metrics.failed.inc({ service, topic, code: fate.failure.code });
        metrics.retried.inc({ service, topic, tier: String(fate.tier) });
        metrics.processed.inc({ service, topic, outcome: 'retried' });
        this.recordLogger(fate.record, topic, partition).warn({ err: fate.failure, tier: fate.tier, dueAt: fate.dueAt }, 'record failed; retrying later');
        return;
      case 'dead-letter':
        metrics.failed.inc({ service, topic, code: fate.failure.code });
        metrics.deadLettered.inc({ service, topic, code: fate.failure.code });
        metrics.processed.inc({ service, topic, outcome: 'dead_lettered' });
        this.recordLogger(fate.record, topic, partition).error({ err: fate.failure, attempt: fate.record.attempt }, 'record dead-lettered');
    }
  }

  private async commitAtLeastOnce(topic: string, partition: number, nextOffset: string, topicMessages: Array<{ topic: string; messages: Message[] }>): Promise<void> {
    const producer = await this.acquire();
    try {
      if (topicMessages.length) await producer.sendBatch({ topicMessages, acks: -1 });
    } finally {
      this.release(producer);
    }
    await this.consumer!.commitOffsets([{ topic, partition, offset: nextOffset }]);
  }

  private acquire(): Promise<Producer> {
    const p = this.idle.pop();
    return p ? Promise.resolve(p) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(p: Producer): void {
    const next = this.waiting.shift();
    if (next) next(p);
    else this.idle.push(p);
  }

  private async evaluate(topic: string, partition: number, messages: KafkaMessage[], sliceMark: number): Promise<EvaluatedRecord[]> {
    const { serde } = this.opts;
    const records: EvaluatedRecord[] = [];
    const decoded: Array<{ rec: EvaluatedRecord; input: InputRecord<SchemaValueTypes[S]> }> = [];
    for (const message of messages) {
      const headers = readHeaders(message.headers as Record<string, unknown>);
      const rec: EvaluatedRecord = { message, headers, attempt: Number(headers[Headers.ATTEMPT] ?? 0) + 1 };
      records.push(rec);
      try {
        const value = await serde.decode<SchemaValueTypes[S]>(this.definition.input.schema, message.value);
        const input = { value, context: this.context(topic, partition, rec, value, sliceMark) };
        rec.input = input;
        decoded.push({ rec, input });
      } catch (err) {
        rec.failure = toFailure(err);
      }
    }

    const handle = this.definition.handle;
    if ('record' in handle) {
      const { limit = 1, key = (_: unknown, c: RecordContext) => c.key } = this.definition.concurrency ?? {};
      const partitionKey = `${topic}:${partition}`;
      await mapByKey(decoded, ({ input }) => key(input.value, input.context), limit, async ({ rec, input }) => {
        this.watchdog.recordStarted(partitionKey, rec.message.offset);
        try {
          rec.outputs = await handle.record(input.value, input.context);
        } catch (err) {
          rec.failure = toFailure(err);
        } finally {
          this.watchdog.recordFinished(partitionKey, rec.message.offset);
        }
      });
    } else if (decoded.length > 0) {
      const partitionKey = `${topic}:${partition}`;
      for (const { rec, input } of decoded) {
        this.watchdog.recordStarted(partitionKey, rec.message.offset);
        input.context.progressed = () => this.watchdog.recordFinished(partitionKey, rec.message.offset);
      }
      let results: Array<Output[] | Error>;
      try {
        results = await handle.batch(decoded.map((d) => d.input));
        if (results.length !== decoded.length) throw new Error(`batch handler returned ${results.length} results for ${decoded.length} records`);
      } catch (err) {
        const failure = toFailure(err);
        results = decoded.map(() => failure);
      }
      decoded.forEach(({ rec }, i) => {
        this.watchdog.recordFinished(partitionKey, rec.message.offset);
        const r = results[i]!;
        if (r instanceof Error) rec.failure = toFailure(r);
        else rec.outputs = r;
      });
    }
    return records;
  }

  private encodeOutputs(rec: EvaluatedRecord, outputs: readonly Output[], now: number): Array<[string, Message]> | NotifyError {
    const parentTrace = rec.headers[Headers.TRACEPARENT];
    const requestedAt = rec.headers[Headers.REQUESTED_AT];
    const out: Array<[string, Message]> = [];
    try {
      for (const o of outputs) {
        const headers: HeaderMap = {
          [Headers.TRACEPARENT]: childTraceparent(parentTrace),
          ...(requestedAt ? { [Headers.REQUESTED_AT]: requestedAt } : {}),
          ...o.headers,
        };
        out.push([o.topic.name, { key: o.key, value: this.opts.serde.encode(o.topic as TopicSpec, o.value), headers, timestamp: String(now) }]);
      }
      return out;
    } catch (err) {
      return toFailure(err);
    }
  }

  /** The processor's dead-letter outputs; a failing hook costs only them, never the dead letter itself. */
  private deadLetterOutputs(rec: EvaluatedRecord, failure: NotifyError): Output[] {
    const hook = this.definition.onDeadLetter;
    if (!hook || !rec.input) return [];
    try {
      return hook(rec.input.value as SchemaValueTypes[S], failure, rec.input.context);
    } catch (err) {
      this.log.warn({ err }, 'onDeadLetter hook failed; the dead letter is still written');
      return [];
    }
  }

  private context(topic: string, partition: number, rec: EvaluatedRecord, value: SchemaValueTypes[S], sliceMark: number): RecordContext {
    let logger: Logger | undefined;
    const makeLogger = () => (logger ??= this.recordLogger(rec, topic, partition, value));
    return {
      topic,
      partition,
      offset: rec.message.offset,
      key: rec.message.key?.toString('utf8') ?? null,
      headers: rec.headers,
      rawValue: rec.message.value,
      attempt: rec.attempt,
      maxAttempts: this.opts.retryDelaysMs.length + 1,
      // Built on first use: most records never log, and a child logger per record is measurable.
      get logger() {
        return makeLogger();
      },
      now: this.clock,
      // Neither the slice nor the membership it was fetched under may predate a pause.
      stillAssigned: () => !this.pauses.pausedSince(Math.min(sliceMark, this.joinMark)),
    };
  }

  private recordLogger(rec: EvaluatedRecord, topic: string, partition: number, value?: SchemaValueTypes[S]): Logger {
    const trace = parseTraceparent(rec.headers[Headers.TRACEPARENT]);
    return this.log.child({
      topic,
      partition,
      offset: rec.message.offset,
      ...(trace ? { traceId: trace.traceId } : {}),
      ...(value !== undefined && this.definition.bindings ? this.definition.bindings(value) : {}),
    });
  }
}
