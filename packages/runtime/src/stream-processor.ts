import { dlqTopicName, retryTopicName, type SchemaValueTypes, type TopicSpec } from '@notify/schemas';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { AvroSerde } from './avro-serde.js';
import { ErrorCodes, toFailure, TransientError, type NotifyError } from './errors.js';
import { failureHeaders } from './failure-headers.js';
import { Headers, readHeaders, type HeaderMap } from './headers.js';
import { mapByKey } from './keyed-concurrency.js';
import type { RuntimeMetrics } from './metrics.js';
import type { InputRecord, Output, ProcessorDefinition, RecordContext } from './processor.js';
import { nextRetryStep } from './retry-policy.js';
import { StallWatchdog } from './stall-watchdog.js';
import { retryStep } from './retry-step.js';
import { childTraceparent, parseTraceparent } from './trace-context.js';
import { isFenced, withTransactionRetry } from './transaction-retry.js';

export interface StreamProcessorOptions {
  service: string;
  kafka: Kafka;
  serde: AvroSerde;
  logger: Logger;
  metrics: RuntimeMetrics;
  instanceId: string;
  retryDelaysMs: readonly number[];
  /** Records per transaction (or per offset commit at-least-once). */
  maxRecordsPerTransaction: number;
  /** Broker-side fetch sizing: wait up to `maxWaitTimeInMs` for `minBytes` of records. */
  fetch?: { minBytes: number; maxWaitTimeInMs: number };
  /** Partitions processed at the same time, each with its own transactional producer. */
  partitionsConcurrency?: number;
  /** Called when the processor cannot go on (e.g. fenced by a newer instance); the service should exit. */
  onFatal: (err: Error) => void;
  /** A slice none of whose records finished for this long is a stall: the service restarts. */
  sliceStallMs?: number;
  /** Slices failing for an unavailable dependency this long, none committed meanwhile: the service restarts. */
  dependencyOutageRestartMs?: number;
  clock?: () => number;
}

const BACKOFF_INITIAL_MS = 500;
const HEARTBEAT_INTERVAL_MS = 3_000; // 3 s, a tenth of the session timeout
const BACKOFF_MAX_MS = 30_000; // 30 s
const DEFAULT_SLICE_STALL_MS = 120_000; // 2 min
const DEFAULT_DEPENDENCY_OUTAGE_RESTART_MS = 60_000; // 1 min

interface Evaluated {
  message: KafkaMessage;
  input?: InputRecord<unknown>;
  headers: HeaderMap;
  attempt: number;
  outputs?: Output[];
  failure?: NotifyError;
}

/**
 * The one Kafka processing loop. It owns fetch, decode, retries, dead letters, transactions, offsets and
 * metrics, and calls the processor's handler with decoded values only.
 *
 * Exactly-once: each slice of a fetched batch is one Kafka transaction holding the outputs, retry/DLQ
 * records and the consumer offsets. A failure of our own infrastructure (a store or the registry down,
 * the transaction refused) aborts the slice and backs the partition off, so nothing advances until it
 * passes; a failure of one record goes to its retry tier or the DLQ and the rest of the batch moves on.
 */
export class StreamProcessor<S extends keyof SchemaValueTypes> {
  private consumer?: Consumer;
  /** One producer per concurrently processed partition: a transactional producer has one open transaction. */
  private producers: Producer[] = [];
  private readonly idle: Producer[] = [];
  private readonly waiting: Array<(p: Producer) => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly backoff = new Map<string, number>();
  /** When slices began failing for an unavailable dependency, with none committed since. */
  private outageSince: number | undefined;
  private joined = false;
  private held = false;
  private holdTimer?: NodeJS.Timeout;
  private readonly watchdog: StallWatchdog;
  private readonly clock: () => number;
  readonly groupId: string;
  private readonly eos: boolean;
  private readonly log: Logger;

  constructor(
    readonly definition: ProcessorDefinition<S>,
    private readonly opts: StreamProcessorOptions,
  ) {
    const def = definition;
    this.clock = opts.clock ?? Date.now;
    this.groupId = def.groupId ?? `notify.${def.name}`;
    this.eos = (def.delivery ?? 'exactly-once') === 'exactly-once';
    this.log = opts.logger.child({ processor: def.name });
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
    const concurrency = Math.max(1, this.opts.partitionsConcurrency ?? 1);
    // Transactional ids are stable per (group, instance, slot): a restarted instance fences its predecessor.
    this.producers = Array.from({ length: concurrency }, (_, slot) =>
      kafka.producer(
        this.eos
          ? { transactionalId: `${this.groupId}.${this.opts.instanceId}.${slot}`, idempotent: true, maxInFlightRequests: 1 }
          : { idempotent: true, maxInFlightRequests: 1 },
      ),
    );
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout: 30_000, // 30 s
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      minBytes: this.opts.fetch?.minBytes ?? 1,
      maxWaitTimeInMs: this.opts.fetch?.maxWaitTimeInMs ?? 250,
      retry: { retries: 10 },
    });
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT, REBALANCING } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      this.joined = true;
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

    for (const p of this.producers) await p.connect();
    // kafkajs registers a transactional id (fencing its predecessor and letting the coordinator finish
    // the predecessor's last transaction) only when a first transaction begins. Do it before joining the
    // group, so the offsets read at join already include everything the predecessor committed.
    if (this.eos) {
      for (const p of this.producers) {
        const txn = await withTransactionRetry(() => p.transaction(), this.log);
        await txn.abort();
      }
    }
    this.idle.push(...this.producers);
    await this.consumer.connect();
    // Topics another replica has just created may not be in the broker's metadata yet.
    const consumer = this.consumer;
    await retryStep('subscribe', () => consumer.subscribe({ topics: this.inputTopics, fromBeginning: true }), this.log);
    if (this.definition.holdReason) this.startHoldWatch();
    this.watchdog.start();
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.producers.length,
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
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.watchdog.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.consumer?.disconnect();
    for (const p of this.producers) await p.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause } = payload;
    const { metrics, service } = this.opts;
    const endTimer = metrics.batchDuration.startTimer({ service });
    const partitionKey = `${batch.topic}:${batch.partition}`;
    const now = this.clock();

    // Retry tiers: process only what is due; pause the partition until the first record that is not.
    let ready = batch.messages;
    let pauseUntil: number | undefined;
    if (batch.topic !== this.definition.input.name) {
      const notDue = batch.messages.findIndex((m) => Number(readHeaders(m.headers)[Headers.RETRY_DUE_AT] ?? 0) > now);
      if (notDue >= 0) {
        ready = batch.messages.slice(0, notDue);
        pauseUntil = Number(readHeaders(batch.messages[notDue]!.headers)[Headers.RETRY_DUE_AT]);
      }
    }

    try {
      for (let i = 0; i < ready.length; i += this.opts.maxRecordsPerTransaction) {
        if (!isRunning() || isStale()) return;
        // A hold that started mid-batch: leave the rest unresolved; it is fetched again on resume.
        if (this.definition.holdReason?.()) return;
        const slice = ready.slice(i, i + this.opts.maxRecordsPerTransaction);
        // A slice can outlast the session timeout when its handler waits on a slow store: without
        // heartbeats in between, the group evicts this member and the slice's commit is refused.
        const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_INTERVAL_MS);
        this.watchdog.sliceStarted(partitionKey);
        try {
          await this.processSlice(batch.topic, batch.partition, slice);
        } finally {
          clearInterval(keepAlive);
          this.watchdog.sliceEnded(partitionKey);
        }
        resolveOffset(slice[slice.length - 1]!.offset);
        this.backoff.delete(partitionKey);
        this.outageSince = undefined;
        await heartbeat();
      }
    } catch (err) {
      const failure = toFailure(err);
      if (isFenced(err)) {
        this.opts.onFatal(failure);
        return;
      }
      if (this.outageOutlasted(failure)) return;
      // Nothing of the failed slice was committed: back off, then re-fetch from the last committed record.
      const delay = Math.min((this.backoff.get(partitionKey) ?? BACKOFF_INITIAL_MS / 2) * 2, BACKOFF_MAX_MS);
      this.backoff.set(partitionKey, delay);
      this.log.warn({ err: failure, topic: batch.topic, partition: batch.partition, delayMs: delay }, 'slice aborted; backing off');
      pauseUntil = this.clock() + delay;
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

  /**
   * A store that stays unavailable to this process for longer than `dependencyOutageRestartMs` while no
   * slice commits restarts the service: a client that does not find its way back to a restarted server
   * (seen with the MongoDB driver against a restarted FerretDB) recovers only in a fresh process. Nothing
   * is lost: the failed slices were never committed.
   */
  private outageOutlasted(failure: NotifyError): boolean {
    if (failure.code !== ErrorCodes.DEPENDENCY_UNAVAILABLE) return false;
    const now = Date.now();
    this.outageSince ??= now;
    const limit = this.opts.dependencyOutageRestartMs ?? DEFAULT_DEPENDENCY_OUTAGE_RESTART_MS;
    if (now - this.outageSince < limit) return false;
    this.log.error({ err: failure, outageMs: now - this.outageSince }, 'a dependency has been unavailable too long; restarting');
    this.opts.onFatal(new TransientError(ErrorCodes.DEPENDENCY_UNAVAILABLE, `unavailable for ${now - this.outageSince} ms: ${failure.message}`, { cause: failure }));
    return true;
  }

  private async processSlice(topic: string, partition: number, messages: KafkaMessage[]): Promise<void> {
    const evaluated = await this.evaluate(topic, partition, messages);
    const now = this.clock();
    const byTopic = new Map<string, Message[]>();
    const push = (t: string, m: Message) => {
      const list = byTopic.get(t);
      if (list) list.push(m);
      else byTopic.set(t, [m]);
    };
    const counts: Array<() => void> = [];
    const { metrics, service } = this.opts;

    for (const rec of evaluated) {
      if (rec.outputs) {
        const encoded = this.encodeOutputs(rec, now);
        if (!(encoded instanceof Array)) {
          rec.failure = encoded;
        } else {
          for (const [t, m] of encoded) push(t, m);
          counts.push(() => metrics.processed.inc({ service, topic, outcome: 'success' }));
          const requestedAt = Number(rec.headers[Headers.REQUESTED_AT]);
          if (requestedAt > 0 && encoded.length > 0) {
            counts.push(() => metrics.e2eLatency.observe({ service, stage: this.definition.name }, (now - requestedAt) / 1000));
          }
          continue;
        }
      }
      const failure = rec.failure!;
      if (failure.code === ErrorCodes.DEPENDENCY_UNAVAILABLE) throw failure;
      const step = nextRetryStep(this.opts.retryDelaysMs, rec.attempt, failure, now);
      const headers = failureHeaders(rec.headers, failure, { topic, partition, offset: rec.message.offset, service }, rec.attempt, now);
      counts.push(() => metrics.failed.inc({ service, topic, code: failure.code }));
      if (step.kind === 'retry') {
        headers[Headers.RETRY_DUE_AT] = String(step.dueAt);
        push(retryTopicName(this.definition.input.name, step.tier), { key: rec.message.key, value: rec.message.value, headers });
        counts.push(() => {
          metrics.retried.inc({ service, topic, tier: String(step.tier) });
          metrics.processed.inc({ service, topic, outcome: 'retried' });
        });
        this.recordLogger(rec, topic, partition).warn({ err: failure, tier: step.tier, dueAt: step.dueAt }, 'record failed; retrying later');
      } else {
        headers[Headers.DEAD_LETTERED_AT] = String(now);
        push(dlqTopicName(this.definition.input.name), { key: rec.message.key, value: rec.message.value, headers });
        for (const [t, m] of this.deadLetterOutputs(rec, failure, now)) push(t, m);
        counts.push(() => {
          metrics.deadLettered.inc({ service, topic, code: failure.code });
          metrics.processed.inc({ service, topic, outcome: 'dead_lettered' });
        });
        this.recordLogger(rec, topic, partition).error({ err: failure, attempt: rec.attempt }, 'record dead-lettered');
      }
    }

    const topicMessages = [...byTopic.entries()].map(([t, msgs]) => ({ topic: t, messages: msgs }));
    const nextOffset = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
    await this.commit(topic, partition, nextOffset, topicMessages);
    metrics.transactionRecords.observe({ service }, messages.length);
    for (const count of counts) count();
  }

  private async commit(
    topic: string,
    partition: number,
    nextOffset: string,
    topicMessages: Array<{ topic: string; messages: Message[] }>,
  ): Promise<void> {
    const producer = await this.acquire();
    try {
      await this.commitWith(producer, topic, partition, nextOffset, topicMessages);
    } finally {
      this.release(producer);
    }
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

  private async commitWith(
    producer: Producer,
    topic: string,
    partition: number,
    nextOffset: string,
    topicMessages: Array<{ topic: string; messages: Message[] }>,
  ): Promise<void> {
    const { metrics, service } = this.opts;
    if (!this.eos) {
      if (topicMessages.length) await producer.sendBatch({ topicMessages, acks: -1 });
      await this.consumer!.commitOffsets([{ topic, partition, offset: nextOffset }]);
      return;
    }
    const endTimer = metrics.transactionDuration.startTimer({ service });
    const txn = await withTransactionRetry(() => producer.transaction(), this.log);
    try {
      if (topicMessages.length) await txn.sendBatch({ topicMessages, acks: -1 });
      await withTransactionRetry(
        () => txn.sendOffsets({ consumerGroupId: this.groupId, topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] }),
        this.log,
      );
      await withTransactionRetry(() => txn.commit(), this.log);
      endTimer({ outcome: 'committed' });
    } catch (err) {
      await txn.abort().catch((abortErr: unknown) => this.log.warn({ err: abortErr }, 'abort failed'));
      endTimer({ outcome: 'aborted' });
      throw err;
    }
  }

  private async evaluate(topic: string, partition: number, messages: KafkaMessage[]): Promise<Evaluated[]> {
    const { serde } = this.opts;
    const records: Evaluated[] = [];
    const decoded: Array<{ rec: Evaluated; input: InputRecord<SchemaValueTypes[S]> }> = [];
    for (const message of messages) {
      const headers = readHeaders(message.headers as Record<string, unknown>);
      const rec: Evaluated = { message, headers, attempt: Number(headers[Headers.ATTEMPT] ?? 0) + 1 };
      records.push(rec);
      try {
        const value = await serde.decode<SchemaValueTypes[S]>(this.definition.input.schema, message.value);
        const input = { value, context: this.context(topic, partition, rec, value) };
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
      let results: Array<Output[] | Error>;
      try {
        results = await handle.batch(decoded.map((d) => d.input));
        if (results.length !== decoded.length) throw new Error(`batch handler returned ${results.length} results for ${decoded.length} records`);
      } catch (err) {
        const failure = toFailure(err);
        results = decoded.map(() => failure);
      }
      decoded.forEach(({ rec }, i) => {
        const r = results[i]!;
        if (r instanceof Error) rec.failure = toFailure(r);
        else rec.outputs = r;
      });
    }
    return records;
  }

  private encodeOutputs(rec: Evaluated, now: number): Array<[string, Message]> | NotifyError {
    const parentTrace = rec.headers[Headers.TRACEPARENT];
    const requestedAt = rec.headers[Headers.REQUESTED_AT];
    const out: Array<[string, Message]> = [];
    try {
      for (const o of rec.outputs!) {
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

  private deadLetterOutputs(rec: Evaluated, failure: NotifyError, now: number): Array<[string, Message]> {
    const hook = this.definition.onDeadLetter;
    if (!hook || !rec.input) return [];
    try {
      const outputs = hook(rec.input.value as SchemaValueTypes[S], failure, rec.input.context);
      const encoded = this.encodeOutputs({ ...rec, outputs }, now);
      return encoded instanceof Array ? encoded : [];
    } catch (err) {
      this.log.warn({ err }, 'onDeadLetter hook failed; the dead letter is still written');
      return [];
    }
  }

  private context(topic: string, partition: number, rec: Evaluated, value: SchemaValueTypes[S]): RecordContext {
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
    };
  }

  private recordLogger(rec: Evaluated, topic: string, partition: number, value?: SchemaValueTypes[S]): Logger {
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
