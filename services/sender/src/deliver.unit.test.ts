import { createLogger, DependencyUnavailableError, ErrorCodes, ProviderError, toFailure, type InputRecord, type Output, type RecordContext } from '@notify/runtime';
import { recipientKey, type Dispatch } from '@notify/schemas';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deliverSlice, type DeliverDeps, type Result } from './deliver.js';
import { MemoryBreaker, MemoryLedger, ScriptedAdapter, type Scripted } from './delivery-fakes.fixture.js';
import { dispatchFixture } from './providers/dispatch.fixture.js';
import { createSenderMetrics } from './sender-metrics.js';

const logger = createLogger('test', 'silent');

function record(d: Dispatch, attempt = 1): InputRecord<Dispatch> {
  const context: RecordContext = {
    topic: 'notify.dispatch.sendgrid.v1',
    partition: 0,
    offset: '0',
    key: recipientKey(d),
    headers: {},
    rawValue: null,
    attempt,
    maxAttempts: 3,
    logger,
    now: Date.now,
  };
  return { value: d, context };
}

const email = (o: Partial<Dispatch> = {}) => dispatchFixture({ channel: 'EMAIL', to: 'ada@example.com', fallbackProviders: ['smtp'], ...o });

function setup(script?: (d: Dispatch) => Scripted, o: Partial<DeliverDeps> = {}) {
  const ledger = new MemoryLedger();
  const breaker = new MemoryBreaker(3);
  const adapter = new ScriptedAdapter(script);
  const deps: DeliverDeps = {
    adapter,
    ledger,
    breaker,
    metrics: createSenderMetrics(new Registry()),
    timeoutMs: 1_000,
    concurrency: 4,
    logger,
    ledgerWriteRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    ...o,
  };
  return { ledger, breaker, adapter, deps };
}

function outputs(result: Result | undefined): Output[] {
  if (!Array.isArray(result)) throw new Error(`expected outputs, got ${String(result)}`);
  return result;
}

const status = (result: Result | undefined) => outputs(result).at(-1)!.value as { status: string; attributes?: Record<string, string> };
const unavailable = (what: string) => new ProviderError('sendgrid', ErrorCodes.PROVIDER_UNAVAILABLE, `${what}: 503`, true, { status: 503 });

describe('deliverSlice (ledger, breaker and provider in memory)', () => {
  it('sends up to `concurrency` at a time, one recipient after the other in offset order', async () => {
    const { adapter, deps } = setup(() => ({ delayMs: 5 }), {});
    const ds = ['a', 'b', 'a', 'c', 'a', 'b', 'd', 'e'].map((userId) => email({ userId }));
    const results = await deliverSlice(
      ds.map((d) => record(d)),
      { ...deps, concurrency: 3 },
    );
    expect(results.map((r) => status(r).status)).toEqual(Array(8).fill('SENT'));
    expect(adapter.maxInFlight).toBe(3);
    const ofA = ds.filter((d) => d.userId === 'a').map((d) => d.notificationId);
    const at = (event: string) => adapter.events.indexOf(event);
    // One at a time, in offset order: each of a's sends starts after the one before it ended.
    for (let i = 1; i < ofA.length; i++) expect(at(`end ${ofA[i - 1]}`)).toBeLessThan(at(`start ${ofA[i]}`));
  });

  it('asks the ledger once per step and the breaker once for the slice', async () => {
    const { ledger, breaker, deps } = setup();
    await deliverSlice(
      [email(), email({ userId: 'u-2' }), email({ userId: 'u-3' })].map((d) => record(d)),
      deps,
    );
    expect(ledger.calls).toEqual(['sentAs', 'claim', 'markSent', 'markSent', 'markSent']);
    expect(breaker.calls).toEqual(['state', 'success']);
  });

  it('reads neither the circuit nor any claim when nothing is left to send', async () => {
    const { ledger, breaker, adapter, deps } = setup();
    const sent = email();
    ledger.sent.set(`${sent.notificationId}:EMAIL`, 'pm-earlier');
    const results = await deliverSlice([record(sent), record(email({ userId: 'u-2', expiresAt: Date.now() - 1 }))], deps);
    expect(status(results[0])).toMatchObject({ status: 'SENT', providerMessageId: 'pm-earlier', attributes: { duplicateSuppressed: 'true' } });
    expect(status(results[1])).toMatchObject({ status: 'SUPPRESSED', reason: 'expired' });
    expect(ledger.calls).toEqual(['sentAs']);
    expect(breaker.calls).toEqual([]);
    expect(adapter.started).toEqual([]);
  });

  it('fails only the record whose lookup failed; a ledger that cannot be read fails them all and sends nothing', async () => {
    const { ledger, adapter, deps } = setup();
    const [bad, good] = [email(), email({ userId: 'u-2' })];
    ledger.unreadable.add(bad.notificationId);
    const results = await deliverSlice([record(bad), record(good)], deps);
    expect(results[0]).toBeInstanceOf(Error);
    expect(status(results[1]).status).toBe('SENT');
    expect(adapter.started).toEqual([good.notificationId]);

    const redisDown = new DependencyUnavailableError('Redis');
    ledger.failing.set('sentAs', redisDown);
    const down = await deliverSlice([record(email()), record(email({ userId: 'u-2' }))], deps);
    expect(down).toEqual([redisDown, redisDown]);
    expect(adapter.started).toHaveLength(1);
  });

  it('fails the records that need the circuit when it cannot be read, and only those', async () => {
    const { ledger, breaker, adapter, deps } = setup();
    const sent = email();
    ledger.sent.set(`${sent.notificationId}:EMAIL`, 'pm-earlier');
    breaker.stateError = new Error('Redis connection lost');
    const results = await deliverSlice([record(sent), record(email({ userId: 'u-2' }))], deps);
    expect(status(results[0]).status).toBe('SENT');
    expect(results[1]).toBe(breaker.stateError);
    expect(adapter.started).toEqual([]);
  });

  it('writes a record that failed as it was sent again with the slice', async () => {
    const { ledger, deps } = setup();
    ledger.failing.set('markSent', new DependencyUnavailableError('MongoDB'));
    const results = await deliverSlice([record(email()), record(email({ userId: 'u-2' }))], deps);
    expect(results.map((r) => status(r).status)).toEqual(['SENT', 'SENT']);
    expect(ledger.calls).toEqual(['sentAs', 'claim', 'markSent', 'markSent', 'recordSent']);
    expect(ledger.sent.size).toBe(2);
  });

  it('reports SENT what the provider accepted even when its record cannot be written, and keeps its claim', async () => {
    const rejected = email({ userId: 'u-2' });
    const { ledger, deps, adapter } = setup((d) => (d === rejected ? { error: new ProviderError('sendgrid', ErrorCodes.PROVIDER_REJECTED, 'bad address', false) } : {}));
    ledger.failing.set('markSent', new DependencyUnavailableError('MongoDB'));
    ledger.failing.set('recordSent', new DependencyUnavailableError('MongoDB'));
    const sent = email();
    const dup = email({ userId: 'u-3' });
    ledger.sent.set(`${dup.notificationId}:EMAIL`, 'pm-earlier');
    const results = await deliverSlice([record(sent), record(rejected), record(dup)], deps);
    expect(status(results[0])).toMatchObject({ status: 'SENT', provider: 'sendgrid' });
    expect(status(results[0]).attributes?.duplicateSuppressed).toBeUndefined();
    expect(toFailure(results[1])).toMatchObject({ code: ErrorCodes.PROVIDER_REJECTED, canRetry: false });
    expect(status(results[2]).status).toBe('SENT');
    expect(ledger.calls.filter((c) => c === 'recordSent')).toHaveLength(2); // retried
    expect(ledger.claimedBy(sent.notificationId)).toBe('this-sender');
    expect(ledger.claimedBy(rejected.notificationId)).toBeUndefined();
    // A redelivery (the transaction did not commit) while the claim lives does not reach the provider.
    const redelivered = await deliverSlice([record(sent, 2)], { ...deps, ledger: Object.assign(new MemoryLedger('another-sender'), { claims: ledger.claims }) });
    expect(redelivered[0]).toBeInstanceOf(Error);
    expect(adapter.started.filter((id) => id === sent.notificationId)).toHaveLength(1);
  });

  it('fails a record whose claim could not be released after its send failed', async () => {
    const { ledger, deps } = setup(() => ({ error: unavailable('down') }));
    const releaseError = new Error('Redis connection lost');
    ledger.failing.set('release', releaseError);
    const [result] = await deliverSlice([record(email())], deps);
    expect(result).toBe(releaseError);
  });

  it('does not count a permanent failure against the circuit', async () => {
    const { breaker, deps } = setup(() => ({ error: new ProviderError('sendgrid', ErrorCodes.PROVIDER_REJECTED, 'bad address', false) }));
    const [result] = await deliverSlice([record(email())], deps);
    expect(toFailure(result)).toMatchObject({ code: ErrorCodes.PROVIDER_REJECTED, canRetry: false });
    expect(breaker.calls).toEqual(['state']);
  });

  it('forgets a device token the provider refused, and fails the dispatch for good', async () => {
    const forgotten: string[] = [];
    const deviceTokens = { forget: async (tenantId: string, userId: string, token: string) => void forgotten.push(`${tenantId}/${userId}/${token}`) };
    const refused = new ProviderError('sendgrid', ErrorCodes.PROVIDER_REJECTED, 'Unregistered', false, { details: { invalidToken: true } });
    const other = new ProviderError('sendgrid', ErrorCodes.PROVIDER_REJECTED, 'BadTopic', false);
    const gone = email({ userId: 'u-gone', to: 'token-gone' });
    const { deps } = setup((d) => ({ error: d === gone ? refused : other }), { deviceTokens });
    const results = await deliverSlice([record(gone), record(email({ userId: 'u-other', to: 'token-kept' }))], deps);
    expect(results.map((r) => toFailure(r).code)).toEqual([ErrorCodes.PROVIDER_REJECTED, ErrorCodes.PROVIDER_REJECTED]);
    expect(forgotten).toEqual([`${gone.tenantId}/u-gone/token-gone`]);
  });

  it('fails the dispatch as refused even when its token cannot be forgotten', async () => {
    const deviceTokens = { forget: async () => Promise.reject(new Error('mongo down')) };
    const refused = new ProviderError('sendgrid', ErrorCodes.PROVIDER_REJECTED, 'Unregistered', false, { details: { invalidToken: true } });
    const { deps } = setup(() => ({ error: refused }), { deviceTokens });
    const [result] = await deliverSlice([record(email())], deps);
    expect(result).toBe(refused);
  });

  it('counts the successes before a failure is counted, in one call', async () => {
    const failing = email({ userId: 'u-2' });
    const { breaker, deps } = setup((d) => (d === failing ? { error: unavailable('flaky') } : {}));
    breaker.failures = 2;
    const results = await deliverSlice(
      [email(), failing, email({ userId: 'u-3' })].map((d) => record(d)),
      { ...deps, concurrency: 1 },
    );
    expect(toFailure(results[1]).canRetry).toBe(true);
    expect(breaker.calls).toEqual(['state', 'success', 'failure', 'state', 'success']);
    expect(breaker.open).toBe(false);
  });

  it('stops sending once a failure of the slice opened the circuit, and notices one another sender opened', async () => {
    const { adapter, ledger, deps } = setup(() => ({ error: unavailable('down') }));
    const ds = ['a', 'b', 'c', 'd', 'e'].map((userId) => email({ userId, fallbackProviders: [] }));
    const results = await deliverSlice(
      ds.map((d) => record(d)),
      { ...deps, concurrency: 1 },
    );
    expect(adapter.started).toEqual(ds.slice(0, 3).map((d) => d.notificationId));
    expect(results.map((r) => toFailure(r).code)).toEqual([
      ErrorCodes.PROVIDER_UNAVAILABLE,
      ErrorCodes.PROVIDER_UNAVAILABLE,
      ErrorCodes.PROVIDER_UNAVAILABLE, // it opened the circuit, but no fallback is left: back to the retry tiers
      ErrorCodes.CIRCUIT_OPEN,
      ErrorCodes.CIRCUIT_OPEN,
    ]);
    expect(toFailure(results[3]).retryAfterMs).toBe(5_000);
    expect(ds.map((d) => ledger.claimedBy(d.notificationId))).toEqual(ds.map(() => undefined));

    const other = setup(() => ({ error: unavailable('down'), onCall: () => (other.breaker.open = true) }));
    const later = ['a', 'b', 'c'].map((userId) => email({ userId }));
    const seen = await deliverSlice(
      later.map((d) => record(d)),
      { ...other.deps, concurrency: 1 },
    );
    expect(other.adapter.started).toEqual([later[0]!.notificationId]);
    expect(toFailure(seen[0]).code).toBe(ErrorCodes.PROVIDER_UNAVAILABLE);
    expect(seen.slice(1).map((r) => status(r))).toEqual([
      expect.objectContaining({ status: 'ROUTED', reason: 'failover from sendgrid: circuit_open' }),
      expect.objectContaining({ status: 'ROUTED', reason: 'failover from sendgrid: circuit_open' }),
    ]);
  });

  it('suppresses a dispatch that expired while waiting for its recipient, and releases its claim', async () => {
    const { adapter, ledger, deps } = setup(() => ({ delayMs: 30 }));
    const first = email();
    const soon = email({ expiresAt: Date.now() + 15 });
    const results = await deliverSlice([record(first), record(soon)], deps);
    expect(status(results[0]).status).toBe('SENT');
    expect(status(results[1])).toMatchObject({ status: 'SUPPRESSED', reason: 'expired' });
    expect(adapter.started).toEqual([first.notificationId]);
    expect(ledger.claimedBy(soon.notificationId)).toBeUndefined();
  });

  it('retries a dispatch claimed by another sender without spending an attempt, and sends one seen twice in the slice once', async () => {
    const { adapter, ledger, deps } = setup();
    const busy = email();
    ledger.claims.set(`${busy.notificationId}:EMAIL`, 'another-sender');
    const twice = email({ userId: 'u-2' });
    const results = await deliverSlice([record(busy), record(twice), record(twice)], deps);
    expect(toFailure(results[0])).toMatchObject({ code: ErrorCodes.INTERNAL, canRetry: true, spendsAttempt: false, message: expect.stringContaining('in flight elsewhere') });
    expect(status(results[1])).toMatchObject({ status: 'SENT', attributes: {} });
    expect(status(results[2])).toMatchObject({ status: 'SENT', attributes: { duplicateSuppressed: 'true' } });
    expect(adapter.started).toEqual([twice.notificationId]);
  });

  it('starts no provider call once the claim would run out during it, and releases the claim without spending an attempt', async () => {
    let now = 0;
    // Claims live 60 s and a call may take 1 s: the first send takes 59.5 s of the clock, so the second
    // would start with 0.5 s of its claim left.
    const { adapter, ledger, deps } = setup(() => ({ onCall: () => (now += 59_500) }), { concurrency: 1, clock: () => now });
    const first = email();
    const second = email({ userId: 'u-2' });
    const results = await deliverSlice([record(first), record(second, 4)], deps);
    expect(status(results[0]).status).toBe('SENT');
    expect(toFailure(results[1])).toMatchObject({ canRetry: true, spendsAttempt: false, message: expect.stringContaining('would run out') });
    expect(adapter.started).toEqual([first.notificationId]);
    expect(ledger.claimedBy(second.notificationId)).toBeUndefined();
  });

  it('starts no provider call for a record once its member stood still past its session timeout, and releases the claim', async () => {
    let assigned = true;
    // The member is paused while the first send is under way: the second, claimed with it, is not sent.
    const { adapter, ledger, deps } = setup(() => ({ delayMs: 10, onCall: () => (assigned = false) }), { concurrency: 1 });
    const early = email();
    const late = email({ userId: 'u-2' });
    const never = email({ userId: 'u-3' });
    const paused = (d: Dispatch) => {
      const r = record(d);
      r.context.stillAssigned = () => assigned;
      return r;
    };
    const results = await deliverSlice([paused(early), paused(late)], deps);
    expect(status(results[0]).status).toBe('SENT');
    expect(toFailure(results[1])).toMatchObject({ canRetry: true, message: expect.stringContaining('stood still past its session timeout') });
    expect(adapter.started).toEqual([early.notificationId]);
    expect(ledger.claimedBy(late.notificationId)).toBeUndefined();
    // Paused before the slice claims anything: nothing is claimed or sent.
    const again = await deliverSlice([paused(never)], deps);
    expect(toFailure(again[0]).canRetry).toBe(true);
    expect(ledger.claimedBy(never.notificationId)).toBeUndefined();
    expect(adapter.started).toEqual([early.notificationId]);
  });
});
