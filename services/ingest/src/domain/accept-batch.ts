import { ValidationError } from '@notify/core';
import { IdempotencyKeyReusedError, type AcceptOutcome } from './accept-notification.js';
import type { Settled } from './accept-records.js';
import { acceptance, type Acceptance } from './acceptance.js';
import type { ClaimedKey, IdempotencyClaim, IdempotencyLedger, KeyHolder } from './idempotency.js';
import { missingReferences, MissingReferencesError, type ReferencePorts } from './references.js';
import { requestHash } from './request-hash.js';
import { parseNotificationRequest, type NormalizedRequest } from './request-schema.js';

/** What claiming a batch of REST requests needs from the outside. */
export interface BatchAcceptPorts extends ReferencePorts {
  idempotency: Pick<IdempotencyLedger, 'claim' | 'claimMany'>;
  /** Epoch millis. */
  now?: () => number;
}

export interface BatchCommand {
  /** One REST body per item. */
  bodies: readonly unknown[];
  /** The API key's tenant. */
  tenantId: string;
}

/** A valid request whose references exist. */
export interface Candidate {
  index: number;
  request: NormalizedRequest;
  requestHash: string;
}

/** An item whose key this call claimed: publish it, then complete its key (or release it if publishing fails). */
export interface ClaimedRequest extends Acceptance, Candidate {
  claimId: string;
}

export type BatchItem =
  | { kind: 'answered'; outcome: Settled<AcceptOutcome> }
  | { kind: 'claimed'; claimed: ClaimedRequest }
  /** Repeats the key `claimant` claimed: answered once the claimant is published and its key completed. */
  | { kind: 'repeat'; claimant: ClaimedRequest; candidate: Candidate };

export interface ClaimedBatch {
  /** One per body, in order. */
  items: BatchItem[];
  /** The claimed items, in order. */
  claimed: ClaimedRequest[];
}

/** What became of the claimed items after claimBatch. */
export interface BatchEffects {
  /** Why publishing them failed (their claims are then given up); absent when they were published. */
  publishFailure?: Error;
  /** Per claimed item, in order: whether its key is now completed with its response. */
  completed: readonly boolean[];
}

/**
 * The first step of accepting a batch of REST requests together: validates every item, checks the
 * references of all of them in one lookup per store, and claims the keys in one claimMany. Items
 * repeating a key are answered as they would be when sent after the first item with that key, without
 * asking the store again: from the key's holder, or (when the first claimed it) in settleBatch. A
 * contested key (expired, or abandoned by its owner) is claimed through claim(), item by item.
 * Store failures fail the items that needed the store, each with the error.
 */
export async function claimBatch(ports: BatchAcceptPorts, command: BatchCommand): Promise<ClaimedBatch> {
  const now = (ports.now ?? Date.now)();
  const items = new Array<BatchItem>(command.bodies.length);
  const parsed: Candidate[] = [];
  command.bodies.forEach((body, index) => {
    try {
      const request = parseNotificationRequest(body, { now, tenantId: command.tenantId });
      parsed.push({ index, request, requestHash: requestHash(request) });
    } catch (err) {
      items[index] = answered(
        err instanceof ValidationError ? { kind: 'rejected', error: err } : asError(err),
      );
    }
  });

  const groups = await groupsByKey(ports, parsed, items);
  if (groups.length > 0) {
    let claims: ClaimedKey[] | Error;
    try {
      claims = await ports.idempotency.claimMany(
        groups.map(([first]) => ({
          tenantId: first.request.tenantId,
          key: first.request.idempotencyKey,
          requestHash: first.requestHash,
        })),
      );
    } catch (err) {
      claims = asError(err);
    }
    const resolved = await Promise.all(
      groups.map((group, i) =>
        claims instanceof Error
          ? group.map(() => answered(claims))
          : resolveGroup(ports.idempotency, group, claims[i]!, now),
      ),
    );
    groups.forEach((group, i) => group.forEach((c, j) => (items[c.index] = resolved[i]![j]!)));
  }
  return {
    items,
    claimed: items.flatMap((item) => (item.kind === 'claimed' ? [item.claimed] : [])),
  };
}

/**
 * Every item's outcome once the claimed items were published and their keys completed: claimed items are
 * accepted; a repeat of a claimed key is a duplicate of it (or reuses its key for another request), or
 * finds it in flight when its key could not be completed. When publishing failed, the claimed items and
 * their repeats fail with that error.
 */
export function settleBatch(batch: ClaimedBatch, effects: BatchEffects): Array<Settled<AcceptOutcome>> {
  const completed = new Map(batch.claimed.map((c, i) => [c.index, effects.completed[i] === true]));
  return batch.items.map((item) => {
    if (item.kind === 'answered') return item.outcome;
    if (effects.publishFailure) return effects.publishFailure;
    if (item.kind === 'claimed') {
      const { notifications, statusEvents, expansion, response, claimId } = item.claimed;
      return { kind: 'accepted', notifications, statusEvents, expansion, response, claimId };
    }
    const { claimant, candidate } = item;
    const holder: KeyHolder = completed.get(claimant.index)
      ? { state: 'completed', requestHash: claimant.requestHash, response: claimant.response }
      : { state: 'in-flight', requestHash: claimant.requestHash };
    return against(holder, candidate);
  });
}

/**
 * The valid items grouped by key, each group in item order; items whose references are missing are
 * answered 'rejected', and all of them fail when the lookup does.
 */
async function groupsByKey(
  ports: ReferencePorts,
  parsed: readonly Candidate[],
  items: BatchItem[],
): Promise<Array<[Candidate, ...Candidate[]]>> {
  let missing;
  try {
    missing = await missingReferences(
      ports,
      parsed.map((c) => c.request),
    );
  } catch (err) {
    const failure = answered(asError(err));
    for (const c of parsed) items[c.index] = failure;
    return [];
  }
  const groups = new Map<string, [Candidate, ...Candidate[]]>();
  parsed.forEach((candidate, i) => {
    const missed = missing[i];
    if (missed) {
      items[candidate.index] = answered({ kind: 'rejected', error: new MissingReferencesError(missed) });
      return;
    }
    const group = groups.get(candidate.request.idempotencyKey);
    if (group) group.push(candidate);
    else groups.set(candidate.request.idempotencyKey, [candidate]);
  });
  return [...groups.values()];
}

/** The items of one key, given what claimMany did with it for the first of them. */
async function resolveGroup(
  idempotency: Pick<IdempotencyLedger, 'claim'>,
  group: readonly [Candidate, ...Candidate[]],
  claim: ClaimedKey,
  now: number,
): Promise<BatchItem[]> {
  if (claim === 'contested') return claimInTurn(idempotency, group, now);
  if ('held' in claim) return group.map((c) => answered(against(claim.held, c)));
  const [first, ...later] = group;
  const claimant = claimedRequest(first, claim.claimed, now);
  return [{ kind: 'claimed', claimed: claimant }, ...later.map(repeatOf(claimant))];
}

/**
 * A contested key, settled the way items sent one after the other would settle it: each item claims the
 * key in turn until one claims it or learns who holds it; the items after that one are answered from it.
 */
async function claimInTurn(
  idempotency: Pick<IdempotencyLedger, 'claim'>,
  group: readonly Candidate[],
  now: number,
): Promise<BatchItem[]> {
  const items: BatchItem[] = [];
  let next: ((later: Candidate) => BatchItem) | undefined;
  for (const candidate of group) {
    if (next) {
      items.push(next(candidate));
      continue;
    }
    const { tenantId, idempotencyKey } = candidate.request;
    let claim: IdempotencyClaim;
    try {
      claim = await idempotency.claim(tenantId, idempotencyKey, candidate.requestHash);
    } catch (err) {
      const failure = answered(asError(err));
      next = () => failure;
      items.push(failure);
      continue;
    }
    // Held for another request: which one is not known, so the next item asks again.
    if (claim === 'mismatch') {
      items.push(answered({ kind: 'rejected', error: new IdempotencyKeyReusedError() }));
      continue;
    }
    if (typeof claim === 'object' && 'claimed' in claim) {
      const claimant = claimedRequest(candidate, claim.claimed, now);
      items.push({ kind: 'claimed', claimed: claimant });
      next = repeatOf(claimant);
      continue;
    }
    const holder: KeyHolder =
      claim === 'in-flight'
        ? { state: 'in-flight', requestHash: candidate.requestHash }
        : { state: 'completed', requestHash: candidate.requestHash, response: claim.existing };
    next = (c) => answered(against(holder, c));
    items.push(next(candidate));
  }
  return items;
}

/** The later items of a key this call claimed wait for the claimant's fate. */
function repeatOf(claimant: ClaimedRequest): (later: Candidate) => BatchItem {
  return (candidate) => ({ kind: 'repeat', claimant, candidate });
}

function claimedRequest(candidate: Candidate, claimId: string, now: number): ClaimedRequest {
  return { ...candidate, ...acceptance(candidate.request, now, 'REST'), claimId };
}

/** An item's outcome given who holds its key, as claim() would answer it. */
function against(holder: KeyHolder, candidate: Candidate): AcceptOutcome {
  if (holder.requestHash !== candidate.requestHash)
    return { kind: 'rejected', error: new IdempotencyKeyReusedError() };
  if (holder.state === 'in-flight') {
    const { tenantId, idempotencyKey } = candidate.request;
    return { kind: 'in-flight', tenantId, idempotencyKey };
  }
  return { kind: 'duplicate', response: holder.response };
}

function answered(outcome: Settled<AcceptOutcome>): BatchItem {
  return { kind: 'answered', outcome };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
