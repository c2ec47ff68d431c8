import type { CircuitBreaker } from '@notify/controls';
import {
  CircuitOpenError,
  ErrorCodes,
  Headers,
  output,
  retryStep,
  statusEvent,
  statusOutput,
  toFailure,
  TransientError,
  type Output,
  type RecordContext,
  type RetryStepOptions,
} from '@notify/runtime';
import { dispatchTopic, type Dispatch, type Provider } from '@notify/schemas';
import type { DeliveryLedger } from './delivery-ledger.js';
import { failoverDispatch, failoverOr, idempotencyKey, planDelivery, type DeliveryPlan } from './domain/delivery-plan.js';
import type { ProviderAdapter, SendResult } from './providers/provider-adapter.js';
import type { SenderMetrics } from './sender-metrics.js';

export const STAGE = 'sender';

export interface DeliverDeps {
  adapter: ProviderAdapter;
  ledger: DeliveryLedger;
  breaker: CircuitBreaker;
  metrics: SenderMetrics;
  timeoutMs: number;
  /** Attempts of the ledger write after a send; LEDGER_WRITE_RETRY when absent. */
  ledgerWriteRetry?: Partial<RetryStepOptions>;
}

/**
 * Delivers one dispatch through the provider at most once and says so on the status topic. Transient
 * provider failures are thrown (retry tiers) until the last attempt, which fails over to the next
 * fallback provider when there is one; permanent failures are thrown to the dead-letter topic, whose
 * FAILED event the processor emits.
 */
export async function deliver(d: Dispatch, ctx: RecordContext, deps: DeliverDeps): Promise<Output[]> {
  const { adapter, ledger, breaker, metrics } = deps;
  const provider = adapter.provider;
  const now = ctx.now();
  const plan = planDelivery(d, {
    now,
    alreadySentAs: await ledger.sentAs(d.notificationId, d.channel),
    circuitOpen: (await breaker.state(provider)) === 'open',
  });
  switch (plan.kind) {
    case 'already-sent':
      ctx.logger.info({ providerMessageId: plan.providerMessageId }, 'already delivered; not sending again');
      return [sent(d, provider, plan.providerMessageId, now, { duplicateSuppressed: 'true' })];
    case 'expired':
      return [statusOutput(statusEvent(d, STAGE, 'SUPPRESSED', now, { channel: d.channel, provider, reason: 'expired' }))];
    case 'circuit-open':
      throw new CircuitOpenError(provider, await breaker.openFor(provider));
    case 'failover':
      return failover(d, plan, now);
    case 'send':
      break;
  }

  const claim = await ledger.claim(d.notificationId, d.channel);
  if (claim.kind === 'sent') return [sent(d, provider, claim.providerMessageId, now, { duplicateSuppressed: 'true' })];
  if (claim.kind === 'busy') throw new TransientError(ErrorCodes.INTERNAL, `delivery ${idempotencyKey(d)} is in flight elsewhere`);

  const started = performance.now();
  let result: SendResult;
  try {
    const traceparent = ctx.headers[Headers.TRACEPARENT];
    result = await adapter.send(d, { idempotencyKey: idempotencyKey(d), timeoutMs: deps.timeoutMs, ...(traceparent ? { traceparent } : {}) });
  } catch (err) {
    const failure = toFailure(err);
    metrics.providerLatency.observe({ provider, status: failure.code }, (performance.now() - started) / 1000);
    await ledger.release(d.notificationId, d.channel);
    if (!failure.canRetry) throw failure;
    const opened = await breaker.recordFailure(provider);
    if (opened) ctx.logger.warn({ provider }, 'circuit opened');
    const lastAttempt = ctx.attempt >= ctx.maxAttempts;
    const next = lastAttempt || opened ? failoverOr(d, opened ? 'circuit_open' : 'retries_exhausted') : undefined;
    if (next?.kind === 'failover') return failover(d, next, ctx.now(), failure.message);
    throw failure;
  }
  metrics.providerLatency.observe({ provider, status: 'ok' }, (performance.now() - started) / 1000);
  // The provider has it: a failure from here on must not release the claim and send again. The ledger
  // write rides out a store restart; the breaker's bookkeeping is best effort.
  const record = { notificationId: d.notificationId, channel: d.channel, provider, providerMessageId: result.providerMessageId, sentAt: new Date(ctx.now()) };
  await retryStep('record the delivery', () => ledger.recordSent(record), ctx.logger, deps.ledgerWriteRetry ?? LEDGER_WRITE_RETRY);
  await breaker.recordSuccess(provider).catch((err: unknown) => ctx.logger.warn({ err, provider }, 'could not record a provider success'));
  return [sent(d, provider, result.providerMessageId, ctx.now())];
}

/** Attempts of the ledger write after a send: 200 ms doubling to 2 s, about 9 s in all, well inside the consumer session. */
const LEDGER_WRITE_RETRY = { attempts: 8, baseDelayMs: 200, maxDelayMs: 2_000 };

function sent(d: Dispatch, provider: Provider, providerMessageId: string, now: number, attributes: Record<string, string> = {}): Output {
  return statusOutput(statusEvent(d, STAGE, 'SENT', now, { channel: d.channel, provider, providerMessageId, attributes }));
}

function failover(d: Dispatch, plan: Extract<DeliveryPlan, { kind: 'failover' }>, now: number, error?: string): Output[] {
  const next = failoverDispatch(d, plan.to, plan.remaining, now);
  return [
    output(dispatchTopic(plan.to), `${d.tenantId}:${d.userId}`, next),
    statusOutput(
      statusEvent(d, STAGE, 'ROUTED', now, {
        channel: d.channel,
        provider: plan.to,
        reason: `failover from ${d.provider}: ${plan.reason}`,
        attributes: { failoverFrom: d.provider, ...(error ? { error: error.slice(0, 300) } : {}) },
      }),
    ),
  ];
}
