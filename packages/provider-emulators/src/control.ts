/**
 * Programmable misbehaviour shared by every emulator: scripted failures for the next N calls, random
 * failure rates, and response latency with optional spikes. Every emulator asks `next()` once per API
 * call, before it looks at the request.
 */

/** Latency is clamped so a mistyped value can never hang a test run. */
export const MAX_LATENCY_MS = 30_000; // 30 s
/** Retry-After sent with a scripted 429 when the test gives none. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

export interface InjectedFailure {
  /** HTTP status (or SMTP reply code for the SMTP server). */
  status: number;
  /** Sent as Retry-After when set (seconds). */
  retryAfterSeconds?: number;
}

export interface CallPlan {
  /** How long to hold the response. */
  delayMs: number;
  /** When set, answer with this failure instead of handling the call. */
  failure?: InjectedFailure;
}

export interface ControlState {
  failNext: number;
  status: number;
  retryAfterSeconds?: number;
  failureRate5xx: number;
  failureRate429: number;
  latencyMs: number;
  latencySpikeMs: number;
  latencySpikeRate: number;
}

/** The JSON body of `POST /__control`; every field is optional. */
export interface ControlPatch {
  /** Fail this many coming calls with `status`. */
  failNext?: number;
  status?: number;
  retryAfterSeconds?: number;
  /** Fraction (0..1) of calls answered with the emulator's 5xx. */
  failureRate5xx?: number;
  /** Fraction (0..1) of calls answered with 429. */
  failureRate429?: number;
  latencyMs?: number;
  latencySpikeMs?: number;
  /** Fraction (0..1) of calls that get `latencySpikeMs` on top of `latencyMs`. */
  latencySpikeRate?: number;
  /** Reset everything before applying the rest of the patch. */
  reset?: boolean;
}

export interface EmulatorControlOptions {
  /** Status used by failure-rate 5xx answers (503 for HTTP emulators). */
  serverErrorStatus?: number;
  /** Status used by failure-rate 429 answers. */
  rateLimitStatus?: number;
  /** Source of randomness; inject a seeded one for deterministic tests. */
  random?: () => number;
}

const INITIAL: ControlState = {
  failNext: 0,
  status: 503,
  failureRate5xx: 0,
  failureRate429: 0,
  latencyMs: 0,
  latencySpikeMs: 0,
  latencySpikeRate: 0,
};

export class ControlPatchError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid control patch: ${problems.join('; ')}`);
    this.name = 'ControlPatchError';
  }
}

export class EmulatorControl {
  private current: ControlState = { ...INITIAL };
  private readonly random: () => number;
  private readonly serverErrorStatus: number;
  private readonly rateLimitStatus: number;

  constructor(options: EmulatorControlOptions = {}) {
    this.random = options.random ?? Math.random;
    this.serverErrorStatus = options.serverErrorStatus ?? 503;
    this.rateLimitStatus = options.rateLimitStatus ?? 429;
  }

  /** Fail the next `count` calls with `status` (a 429 carries Retry-After, 1 s unless given). */
  failNext(count: number, status: number, options: { retryAfterSeconds?: number } = {}): this {
    return this.apply({ failNext: count, status, retryAfterSeconds: options.retryAfterSeconds });
  }

  setFailureRate(rates: { rate5xx?: number; rate429?: number }): this {
    return this.apply({ failureRate5xx: rates.rate5xx ?? 0, failureRate429: rates.rate429 ?? 0 });
  }

  setLatency(latency: { fixedMs: number; spikeMs?: number; spikeRate?: number }): this {
    return this.apply({
      latencyMs: latency.fixedMs,
      latencySpikeMs: latency.spikeMs ?? 0,
      latencySpikeRate: latency.spikeRate ?? 0,
    });
  }

  reset(): this {
    this.current = { ...INITIAL };
    return this;
  }

  state(): ControlState {
    return { ...this.current };
  }

  /** Validates and applies a patch; throws ControlPatchError naming every bad field. */
  apply(patch: ControlPatch): this {
    const problems = validatePatch(patch);
    if (problems.length > 0) throw new ControlPatchError(problems);
    const base = patch.reset ? { ...INITIAL } : { ...this.current };
    const next: ControlState = { ...base };
    if (patch.failNext !== undefined) {
      next.failNext = patch.failNext;
      next.status = patch.status ?? next.status;
      next.retryAfterSeconds = patch.retryAfterSeconds;
    } else if (patch.status !== undefined) {
      next.status = patch.status;
    }
    if (patch.failureRate5xx !== undefined) next.failureRate5xx = patch.failureRate5xx;
    if (patch.failureRate429 !== undefined) next.failureRate429 = patch.failureRate429;
    if (patch.latencyMs !== undefined) next.latencyMs = Math.min(patch.latencyMs, MAX_LATENCY_MS);
    if (patch.latencySpikeMs !== undefined)
      next.latencySpikeMs = Math.min(patch.latencySpikeMs, MAX_LATENCY_MS);
    if (patch.latencySpikeRate !== undefined) next.latencySpikeRate = patch.latencySpikeRate;
    this.current = next;
    return this;
  }

  /** Decides what happens to one call; consumes one scripted failure if any is left. */
  next(): CallPlan {
    const s = this.current;
    const spike = s.latencySpikeRate > 0 && this.random() < s.latencySpikeRate ? s.latencySpikeMs : 0;
    const delayMs = Math.min(s.latencyMs + spike, MAX_LATENCY_MS);
    if (s.failNext > 0) {
      s.failNext -= 1;
      return { delayMs, failure: withRetryAfter(s.status, s.retryAfterSeconds, this.rateLimitStatus) };
    }
    const roll = this.random();
    if (roll < s.failureRate429) {
      return {
        delayMs,
        failure: withRetryAfter(this.rateLimitStatus, s.retryAfterSeconds, this.rateLimitStatus),
      };
    }
    if (roll < s.failureRate429 + s.failureRate5xx)
      return { delayMs, failure: { status: this.serverErrorStatus } };
    return { delayMs };
  }
}

function withRetryAfter(
  status: number,
  retryAfterSeconds: number | undefined,
  rateLimitStatus: number,
): InjectedFailure {
  if (retryAfterSeconds !== undefined)
    return retryAfterSeconds > 0 ? { status, retryAfterSeconds } : { status };
  return status === rateLimitStatus ? { status, retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS } : { status };
}

const FRACTIONS = ['failureRate5xx', 'failureRate429', 'latencySpikeRate'] as const;
const COUNTS = ['failNext', 'latencyMs', 'latencySpikeMs', 'retryAfterSeconds'] as const;
const KNOWN = new Set<string>([...FRACTIONS, ...COUNTS, 'status', 'reset']);

function validatePatch(patch: ControlPatch): string[] {
  const problems: string[] = [];
  for (const key of FRACTIONS) {
    const v = patch[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1))
      problems.push(`${key} must be a number in 0..1`);
  }
  for (const key of COUNTS) {
    const v = patch[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0))
      problems.push(`${key} must be a non-negative integer`);
  }
  if (
    patch.status !== undefined &&
    !(Number.isInteger(patch.status) && patch.status >= 400 && patch.status <= 599)
  ) {
    problems.push('status must be an integer in 400..599');
  }
  if ((patch.failureRate5xx ?? 0) + (patch.failureRate429 ?? 0) > 1)
    problems.push('failure rates add up to more than 1');
  if (patch.reset !== undefined && typeof patch.reset !== 'boolean') problems.push('reset must be a boolean');
  return problems;
}

/**
 * Splits a JSON control body into the generic patch and the fields an emulator adds on its own
 * (e.g. FCM's unregistered tokens). Unknown fields are returned, not dropped, so the caller can reject them.
 */
export function splitControlBody(body: unknown): { patch: ControlPatch; extra: Record<string, unknown> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ControlPatchError(['body must be a JSON object']);
  }
  const patch: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) (KNOWN.has(k) ? patch : extra)[k] = v;
  return { patch: patch as ControlPatch, extra };
}
