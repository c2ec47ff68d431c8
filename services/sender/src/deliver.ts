import {
  CircuitOpenError,
  ErrorCodes,
  Headers,
  mapByKey,
  retryStep,
  toFailure,
  TransientError,
  type InputRecord,
  type Logger,
  type NotifyError,
  type Output,
  type RetryStepOptions,
} from '@notify/runtime';
import { recipientKey, type Dispatch } from '@notify/schemas';
import { expiredOutput, failoverOutputs, sentOutput } from './delivery-outputs.js';
import { idempotencyKey, needsCircuit, planAfterFailure, planDelivery, type DeliveryPlan } from './domain/delivery-plan.js';
import type { Breaker, DeliveryRef, DeviceTokens, Ledger, SentDelivery } from './domain/ports.js';
import { sliceRounds } from './domain/slice-rounds.js';
import { isDeviceTokenRefusal } from './providers/device-token.js';
import type { ProviderAdapter } from './providers/provider-adapter.js';
import type { SenderMetrics } from './sender-metrics.js';
import { asError, settledAll } from './settled.js';
import { SliceCircuit } from './slice-circuit.js';

export interface DeliverDeps {
  adapter: ProviderAdapter;
  ledger: Ledger;
  breaker: Breaker;
  metrics: SenderMetrics;
  timeoutMs: number;
  /** Dispatches of a slice sent at the same time; one recipient's still go one after the other. */
  concurrency: number;
  logger: Logger;
  /** Attempts of the ledger write after a send; LEDGER_WRITE_RETRY when absent. */
  ledgerWriteRetry?: Partial<RetryStepOptions>;
  /** Where refused push tokens are forgotten; they are only logged when absent. */
  deviceTokens?: DeviceTokens;
  /** Monotonic milliseconds, for the age of claims; performance.now when absent. */
  clock?: () => number;
}

/** What one record of a slice comes to: its outputs, or the Error that fails it alone. */
export type Result = Output[] | Error;

type Dispatched = InputRecord<Dispatch>;

/** Attempts of the ledger write after a send: 200 ms doubling to 2 s, about 9 s in all, well inside the consumer session. */
const LEDGER_WRITE_RETRY = { attempts: 8, baseDelayMs: 200, maxDelayMs: 2_000 };

const refOf = (d: Dispatch): DeliveryRef => ({ notificationId: d.notificationId, channel: d.channel });

/**
 * Delivers a slice of dispatches through the provider, each at most once, and says so on the status
 * topic; one result per record, in order. The ledger is asked once per step for the whole slice. Transient
 * provider failures fail their record (retry tiers) until the last attempt, which fails over to the next
 * fallback provider when there is one; permanent failures fail it for the dead-letter topic, whose FAILED
 * event the processor emits.
 */
export async function deliverSlice(records: readonly Dispatched[], deps: DeliverDeps): Promise<Result[]> {
  const results = new Array<Result>(records.length);
  const rounds = sliceRounds(
    records,
    (r) => recipientKey(r.value),
    (r) => idempotencyKey(r.value),
  );
  for (const round of rounds) {
    const settled = await deliverRound(
      round.map((i) => records[i]!),
      deps,
    );
    round.forEach((i, j) => (results[i] = settled[j]!));
  }
  return results;
}

/** A round holds each delivery once. */
async function deliverRound(records: readonly Dispatched[], deps: DeliverDeps): Promise<Result[]> {
  const results = new Array<Result | undefined>(records.length);
  const { toClaim, circuit } = await plan(records, deps, results);
  if (circuit && toClaim.length > 0) {
    const claimedAt = clockOf(deps)();
    const toSend = await claim(records, toClaim, deps, results);
    const outcomes = await mapByKey(
      toSend,
      (i) => recipientKey(records[i]!.value),
      deps.concurrency,
      async (i) => {
        const outcome = await send(records[i]!, deps, circuit, claimedAt);
        records[i]!.context.progressed?.();
        return outcome;
      },
    );
    await settle(records, toSend, outcomes, deps, results);
    await circuit.flush();
  }
  return results as Result[];
}

/**
 * The ledger's and the circuit's say for every record; returns the ones to claim and send, and the
 * circuit, which is read only when a record depends on it.
 */
async function plan(records: readonly Dispatched[], deps: DeliverDeps, results: Array<Result | undefined>): Promise<{ toClaim: number[]; circuit?: SliceCircuit }> {
  const provider = deps.adapter.provider;
  const sentAs = await settledAll(records.length, () => deps.ledger.sentAs(records.map((r) => refOf(r.value))));
  const facts = records.map((r, i) => {
    const lookup = sentAs[i];
    return lookup instanceof Error ? lookup : { now: r.context.now(), alreadySentAs: lookup };
  });
  const needed = records.some((r, i) => !(facts[i] instanceof Error) && needsCircuit(r.value, facts[i]!));
  const read = needed ? await SliceCircuit.read(deps.breaker, provider, deps.logger).catch(asError) : undefined;
  const circuit = read instanceof SliceCircuit ? read : undefined;
  const toClaim: number[] = [];
  for (const [i, r] of records.entries()) {
    const f = facts[i]!;
    if (f instanceof Error) results[i] = f;
    else if (read instanceof Error && needsCircuit(r.value, f)) results[i] = read;
    else {
      const p = planDelivery(r.value, { ...f, circuitOpen: circuit?.isOpen ?? false });
      if (p.kind === 'send') toClaim.push(i);
      else results[i] = await resultOf(p, r, deps, circuit);
    }
  }
  return circuit ? { toClaim, circuit } : { toClaim };
}

/** Claims the deliveries to send; returns the ones claimed. */
async function claim(records: readonly Dispatched[], indexes: number[], deps: DeliverDeps, results: Array<Result | undefined>): Promise<number[]> {
  const provider = deps.adapter.provider;
  indexes = indexes.filter((i) => {
    if (isStillAssigned(records[i]!)) return true;
    results[i] = notAssigned();
    return false;
  });
  const claims = await settledAll(indexes.length, () => deps.ledger.claim(indexes.map((i) => refOf(records[i]!.value))));
  const claimed: number[] = [];
  indexes.forEach((i, j) => {
    const c = claims[j]!;
    const { value: d, context } = records[i]!;
    if (c instanceof Error) results[i] = c;
    else if (c.kind === 'sent') results[i] = [sentOutput(d, provider, c.providerMessageId, context.now(), { duplicateSuppressed: 'true' })];
    else if (c.kind === 'busy') results[i] = inFlightElsewhere(d);
    else claimed.push(i);
  });
  return claimed;
}

/** A member that stood still past its session timeout may no longer own the record: another may have sent it. */
function isStillAssigned({ context }: Dispatched): boolean {
  return context.stillAssigned?.() ?? true;
}

function notAssigned(): TransientError {
  return new TransientError(ErrorCodes.INTERNAL, 'this member stood still past its session timeout; its partitions have moved on: not sending', { spendsAttempt: false });
}

const clockOf = (deps: DeliverDeps) => deps.clock ?? (() => performance.now());

/**
 * Whether the claim taken at `claimedAt` still holds for a whole provider call begun now. A slice whose
 * sends take longer than the claim lives (slow answers, a stalled process) must not start one that another
 * sender, having claimed the delivery since, may be making as well.
 */
function claimOutlastsCall(deps: DeliverDeps, claimedAt: number): boolean {
  return clockOf(deps)() - claimedAt + deps.timeoutMs < deps.ledger.claimTtlMs;
}

function claimRunningOut(d: Dispatch): TransientError {
  return new TransientError(ErrorCodes.INTERNAL, `the claim on delivery ${idempotencyKey(d)} would run out during the call: not sending now`, { spendsAttempt: false });
}

/** Waited out between looks at a delivery another sender holds: its claim ends in a send, a release or expiry. */
const IN_FLIGHT_RETRY_MS = 5_000; // five seconds

/**
 * Another sender holds the delivery's claim and may be sending it now. This attempt decided nothing, so it
 * spends none of the record's attempts: a last attempt given up here would end the channel FAILED while
 * the holder's send may still succeed.
 */
function inFlightElsewhere(d: Dispatch): TransientError {
  return new TransientError(ErrorCodes.INTERNAL, `delivery ${idempotencyKey(d)} is in flight elsewhere`, { spendsAttempt: false, retryAfterMs: IN_FLIGHT_RETRY_MS });
}

type SendOutcome = { kind: 'sent'; delivery: SentDelivery; recorded: boolean } | { kind: 'not-sent'; result: Result };

/**
 * One provider call. The plan is checked again at the dispatch's turn: the circuit may have opened, or
 * the dispatch expired, while earlier sends of the slice went out.
 */
async function send(record: Dispatched, deps: DeliverDeps, circuit: SliceCircuit, claimedAt: number): Promise<SendOutcome> {
  const { adapter, metrics } = deps;
  const { value: d, context } = record;
  const provider = adapter.provider;
  const p = planDelivery(d, { now: context.now(), circuitOpen: circuit.isOpen });
  if (p.kind !== 'send') return { kind: 'not-sent', result: await resultOf(p, record, deps, circuit) };
  if (!isStillAssigned(record)) return { kind: 'not-sent', result: notAssigned() };
  if (!claimOutlastsCall(deps, claimedAt)) return { kind: 'not-sent', result: claimRunningOut(d) };

  const started = performance.now();
  try {
    const traceparent = context.headers[Headers.TRACEPARENT];
    const sent = await adapter.send(d, { idempotencyKey: idempotencyKey(d), timeoutMs: deps.timeoutMs, ...(traceparent ? { traceparent } : {}) });
    metrics.providerLatency.observe({ provider, status: 'ok' }, (performance.now() - started) / 1000);
    circuit.succeeded();
    const delivery: SentDelivery = { ...refOf(d), provider, providerMessageId: sent.providerMessageId, sentAt: new Date(context.now()) };
    const recorded = await deps.ledger.markSent(delivery).then(
      () => true,
      (err: unknown) => (context.logger.warn({ err }, 'could not record a delivery as it was sent; tried again with the slice'), false),
    );
    return { kind: 'sent', delivery, recorded };
  } catch (err) {
    const failure = toFailure(err);
    metrics.providerLatency.observe({ provider, status: failure.code }, (performance.now() - started) / 1000);
    return { kind: 'not-sent', result: await afterFailure(record, failure, deps, circuit) };
  }
}

async function afterFailure(record: Dispatched, failure: NotifyError, deps: DeliverDeps, circuit: SliceCircuit): Promise<Result> {
  const { value: d, context } = record;
  if (isDeviceTokenRefusal(failure)) await forgetDeviceToken(record, deps);
  if (!failure.canRetry) return failure;
  let opened: boolean;
  try {
    opened = await circuit.failed();
  } catch (err) {
    return asError(err);
  }
  if (opened) context.logger.warn({ provider: deps.adapter.provider }, 'circuit opened');
  const next = planAfterFailure(d, { lastAttempt: context.attempt >= context.maxAttempts, circuitOpened: opened });
  return next ? failoverOutputs(d, next, context.now(), failure.message) : failure;
}

/** Best effort: a token left behind is refused again, and forgotten then. */
async function forgetDeviceToken({ value: d, context }: Dispatched, deps: DeliverDeps): Promise<void> {
  const token = { tenantId: d.tenantId, userId: d.userId, provider: deps.adapter.provider };
  try {
    await deps.deviceTokens?.forget(d.tenantId, d.userId, d.to);
    context.logger.info(token, deps.deviceTokens ? 'forgot a push token the provider refused' : 'the provider refused a push token');
  } catch (err) {
    context.logger.warn({ ...token, err }, 'could not forget a push token the provider refused');
  }
}

/**
 * After the sends: the claims of what was not sent are released, and what was sent is reported SENT. The
 * provider has those, so they are never failed (a retry would send them again, or fail what was
 * delivered): records that could not be written as they were sent are written again, riding out a
 * store restart, and when that still fails the claims are kept and the loss of the record is logged.
 */
async function settle(records: readonly Dispatched[], sentOrNot: number[], outcomes: SendOutcome[], deps: DeliverDeps, results: Array<Result | undefined>): Promise<void> {
  const provider = deps.adapter.provider;
  const sent: Array<{ i: number; delivery: SentDelivery; recorded: boolean }> = [];
  const notSent: number[] = [];
  sentOrNot.forEach((i, j) => {
    const o = outcomes[j]!;
    if (o.kind === 'sent') sent.push({ i, delivery: o.delivery, recorded: o.recorded });
    else {
      results[i] = o.result;
      notSent.push(i);
    }
  });
  const release = async () => {
    const released = await settledAll(notSent.length, () => deps.ledger.release(notSent.map((i) => refOf(records[i]!.value))));
    notSent.forEach((i, j) => {
      const err = released[j];
      if (err) results[i] = err;
    });
  };
  const record = async () => {
    const unrecorded = sent.filter((s) => !s.recorded).map((s) => s.delivery);
    if (unrecorded.length > 0) {
      await retryStep('record the deliveries', () => deps.ledger.recordSent(unrecorded), deps.logger, deps.ledgerWriteRetry ?? LEDGER_WRITE_RETRY).catch((err: unknown) =>
        deps.logger.error(
          { err, notificationIds: unrecorded.map((d) => d.notificationId) },
          'the provider accepted deliveries whose record could not be written; reported SENT, claims kept until they expire',
        ),
      );
    }
    for (const { i, delivery } of sent) results[i] = [sentOutput(records[i]!.value, provider, delivery.providerMessageId, records[i]!.context.now())];
  };
  await Promise.all([release(), record()]);
}

/** The result of a plan that sends nothing. */
async function resultOf(p: Exclude<DeliveryPlan, { kind: 'send' }>, record: Dispatched, deps: DeliverDeps, circuit: SliceCircuit | undefined): Promise<Result> {
  const provider = deps.adapter.provider;
  const { value: d, context } = record;
  const now = context.now();
  switch (p.kind) {
    case 'already-sent':
      context.logger.info({ providerMessageId: p.providerMessageId }, 'already delivered; not sending again');
      return [sentOutput(d, provider, p.providerMessageId, now, { duplicateSuppressed: 'true' })];
    case 'expired':
      return [expiredOutput(d, provider, now)];
    case 'failover':
      return failoverOutputs(d, p, now);
    case 'circuit-open':
      if (!circuit) return new CircuitOpenError(provider);
      return circuit.openFor().then((ms) => new CircuitOpenError(provider, ms), asError);
  }
}
