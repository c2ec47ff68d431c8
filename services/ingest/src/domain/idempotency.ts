/** What a client is told when its request is accepted, and told again when it repeats it. */
export interface AcceptedResponse {
  idempotencyKey: string;
  acceptedAt: number;
  notifications: Array<{ userId: string; notificationId: string }>;
  /** The broadcast topics named, whose subscribers' notifications are not listed; absent for none. */
  topics?: string[];
}

/** The response recorded for an idempotency key. */
export interface StoredAcceptance extends AcceptedResponse {
  /** The Kafka record (`topic/partition/offset`) that accepted the request; absent for REST. */
  origin?: string;
}

/** Outcome of claiming an idempotency key; see IdempotencyRepository in @notify/stores. */
export type IdempotencyClaim =
  { claimed: string } | 'in-flight' | 'mismatch' | { existing: StoredAcceptance };

/** An idempotency key as an earlier request left it. */
export type KeyHolder =
  | { state: 'in-flight'; requestHash: string }
  | { state: 'completed'; requestHash: string; response: StoredAcceptance };

/** Whether a key was recorded, or who holds it; 'contested' keys are settled through claim(). */
export type RecordedKey = 'recorded' | 'contested' | { held: KeyHolder };

export interface CompletedKey {
  tenantId: string;
  key: string;
  requestHash: string;
  response: StoredAcceptance;
}

/** What claimMany did with one key; 'contested' keys are settled through claim(). */
export type ClaimedKey = { claimed: string } | 'contested' | { held: KeyHolder };

export interface KeyClaim {
  tenantId: string;
  key: string;
  requestHash: string;
}

export interface HeldClaim {
  tenantId: string;
  key: string;
  claimId: string;
}

export interface ClaimCompletion extends HeldClaim {
  response: StoredAcceptance;
}

/** A request claims its key, is published, then completes the key (or releases it when publishing fails). */
export interface IdempotencyClaims {
  claim(tenantId: string, key: string, requestHash: string): Promise<IdempotencyClaim>;
  complete(tenantId: string, key: string, claimId: string, response: StoredAcceptance): Promise<void>;
  release(tenantId: string, key: string, claimId: string): Promise<void>;
}

/** The same steps for several requests at once, one call each; answers per entry, in order. */
export interface BatchIdempotencyClaims {
  /** Entries name distinct keys. */
  claimMany(entries: readonly KeyClaim[]): Promise<ClaimedKey[]>;
  /** Per entry, whether its claim still held the key and is now completed. */
  completeMany(entries: readonly ClaimCompletion[]): Promise<boolean[]>;
  releaseMany(claims: readonly HeldClaim[]): Promise<void>;
}

export interface IdempotencyLedger extends IdempotencyClaims, BatchIdempotencyClaims {
  /**
   * Records accepted requests' keys as completed, all in one call; answers per entry, in order. For requests
   * whose outputs are produced atomically with their input (a Kafka transaction), so no claim is needed.
   */
  recordCompleted(entries: readonly CompletedKey[]): Promise<RecordedKey[]>;
}
