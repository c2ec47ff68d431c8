import type { BroadcastExpansion, Notification, NotificationStatusEvent } from '@notify/schemas';
import { ValidationError, type NotFoundError } from '@notify/core';
import { IdempotencyKeyReusedError } from './accept-notification.js';
import { acceptance } from './acceptance.js';
import type { IdempotencyLedger, KeyHolder, RecordedKey, StoredAcceptance } from './idempotency.js';
import { missingReferences, MissingReferencesError, type ReferencePorts } from './references.js';
import { requestHash } from './request-hash.js';
import { parseNotificationRequest, type NormalizedRequest } from './request-schema.js';

export interface RecordToAccept {
  /** The decoded NotificationRequest. */
  body: unknown;
  /** The record's first position, `topic/partition/offset`; also the key of a request that brings none. */
  origin: string;
}

/** What accepting a slice of Kafka requests needs from the outside. Store failures propagate as thrown errors. */
export interface RecordAcceptPorts extends ReferencePorts {
  idempotency: IdempotencyLedger;
  /** Epoch millis. */
  now?: () => number;
}

export type RecordOutcome =
  /** Produce `notifications`, `statusEvents` and `expansion`; the key is already recorded as this record's. */
  | {
      kind: 'accepted';
      notifications: Notification[];
      statusEvents: NotificationStatusEvent[];
      expansion: BroadcastExpansion | null;
      response: StoredAcceptance;
    }
  /** This very record accepted the key before, in a transaction that did not commit: produce the same again. */
  | { kind: 'reaccepted'; response: StoredAcceptance }
  /** Another record or request accepted the key: produce nothing. */
  | { kind: 'duplicate'; response: StoredAcceptance }
  /** A REST request is accepting the key right now: retry later. */
  | { kind: 'in-flight'; tenantId: string; idempotencyKey: string }
  | { kind: 'rejected'; error: ValidationError | NotFoundError };

/** A record's outcome, or a failure of that record alone. */
export type Settled<T> = T | Error;

interface Candidate {
  index: number;
  origin: string;
  request: NormalizedRequest;
  requestHash: string;
  accepted: Extract<RecordOutcome, { kind: 'accepted' }>;
}

const keyOf = (request: NormalizedRequest) => JSON.stringify([request.tenantId, request.idempotencyKey]);

/**
 * Accepts a slice of Kafka requests whose outputs are produced in one Kafka transaction with their
 * offsets. The whole slice is validated, its references checked in one lookup per store, and the keys
 * of the valid requests recorded completed in one call: no claim is needed, as nothing is published
 * outside the transaction. The record that recorded a key gets the same outcome again when it is
 * delivered again (its transaction aborted); any other record with that key is a duplicate. Within the
 * slice, the first record of a key (in offset order) is the one that counts. Keys the ledger reports
 * contested (expired, or abandoned by a REST claim) go through claim and complete, record by record.
 *
 * Returns one outcome per record, in order; a thrown error fails the whole slice.
 */
export async function acceptRecords(
  ports: RecordAcceptPorts,
  records: readonly RecordToAccept[],
): Promise<Array<Settled<RecordOutcome>>> {
  const now = (ports.now ?? Date.now)();
  const outcomes = new Array<Settled<RecordOutcome>>(records.length);
  const parsed: Array<{ index: number; request: NormalizedRequest }> = [];
  records.forEach(({ body, origin }, index) => {
    try {
      parsed.push({
        index,
        request: parseNotificationRequest(body, { now, newIdempotencyKey: () => origin }),
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      outcomes[index] = { kind: 'rejected', error: err };
    }
  });

  const missing = await missingReferences(
    ports,
    parsed.map((p) => p.request),
  );
  const byKey = new Map<string, Candidate[]>();
  parsed.forEach(({ index, request }, i) => {
    const missed = missing[i];
    if (missed) {
      outcomes[index] = { kind: 'rejected', error: new MissingReferencesError(missed) };
      return;
    }
    const candidate = candidateOf(index, records[index]!.origin, request, now);
    const group = byKey.get(keyOf(request));
    if (group) group.push(candidate);
    else byKey.set(keyOf(request), [candidate]);
  });

  const groups = [...byKey.values()];
  if (groups.length === 0) return outcomes;
  const recorded = await ports.idempotency.recordCompleted(
    groups.map(([first]) => ({
      tenantId: first!.request.tenantId,
      key: first!.request.idempotencyKey,
      requestHash: first!.requestHash,
      response: first!.accepted.response,
    })),
  );
  await Promise.all(
    groups.map(async (group, i) => {
      const settled = await settleKey(ports.idempotency, group, recorded[i]!);
      group.forEach((candidate, j) => (outcomes[candidate.index] = settled[j]!));
    }),
  );
  return outcomes;
}

/** A valid request, with what it produces if it is the one that accepts its key. */
function candidateOf(index: number, origin: string, request: NormalizedRequest, now: number): Candidate {
  const { response, ...published } = acceptance(request, now, 'KAFKA');
  return {
    index,
    origin,
    request,
    requestHash: requestHash(request),
    accepted: { kind: 'accepted', ...published, response: { ...response, origin } },
  };
}

/** The outcomes of one key's records, in offset order. */
async function settleKey(
  idempotency: IdempotencyLedger,
  group: readonly Candidate[],
  recorded: RecordedKey,
): Promise<Array<Settled<RecordOutcome>>> {
  if (recorded === 'contested') return claimOneByOne(idempotency, group);
  const [first, ...later] = group as [Candidate, ...Candidate[]];
  if (recorded === 'recorded') {
    const own: KeyHolder = {
      state: 'completed',
      requestHash: first.requestHash,
      response: first.accepted.response,
    };
    return [first.accepted, ...later.map((c) => against(own, c))];
  }
  return group.map((c) => against(recorded.held, c));
}

/** A record's outcome given who holds its key. */
function against(holder: KeyHolder, candidate: Candidate): RecordOutcome {
  if (holder.requestHash !== candidate.requestHash)
    return { kind: 'rejected', error: new IdempotencyKeyReusedError() };
  if (holder.state === 'in-flight') {
    const { tenantId, idempotencyKey } = candidate.request;
    return { kind: 'in-flight', tenantId, idempotencyKey };
  }
  return answered(holder.response, candidate);
}

function answered(response: StoredAcceptance, candidate: Candidate): RecordOutcome {
  return response.origin === candidate.origin
    ? { kind: 'reaccepted', response }
    : { kind: 'duplicate', response };
}

/** Claims and completes a contested key for each record in turn; once one fails, the later ones fail with it. */
async function claimOneByOne(
  idempotency: IdempotencyLedger,
  group: readonly Candidate[],
): Promise<Array<Settled<RecordOutcome>>> {
  const outcomes: Array<Settled<RecordOutcome>> = [];
  let failure: Error | undefined;
  for (const candidate of group) {
    if (!failure) {
      try {
        outcomes.push(await claimAndComplete(idempotency, candidate));
        continue;
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
    }
    outcomes.push(failure);
  }
  return outcomes;
}

async function claimAndComplete(
  idempotency: IdempotencyLedger,
  candidate: Candidate,
): Promise<RecordOutcome> {
  const { tenantId, idempotencyKey } = candidate.request;
  const claim = await idempotency.claim(tenantId, idempotencyKey, candidate.requestHash);
  if (claim === 'in-flight') return { kind: 'in-flight', tenantId, idempotencyKey };
  if (claim === 'mismatch') return { kind: 'rejected', error: new IdempotencyKeyReusedError() };
  if ('existing' in claim) return answered(claim.existing, candidate);
  try {
    await idempotency.complete(tenantId, idempotencyKey, claim.claimed, candidate.accepted.response);
  } catch (err) {
    // Given up so that the retry can claim at once; should that fail too, the claim's lease passes.
    await idempotency.release(tenantId, idempotencyKey, claim.claimed).catch(() => undefined);
    throw err;
  }
  return candidate.accepted;
}
